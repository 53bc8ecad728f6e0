"""``openpcs serve``, ``openpcs token`` and ``openpcs db``: running and looking after the gateway.

Settings come from the defaults, then ``--config FILE`` (YAML or JSON, with ``!secret`` and
``!env`` values), then ``OPENPCS_*`` environment variables, then the flags. Exit status 2
when the settings or the store cannot be used.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from openpcs.cli.common import err, out
from openpcs.config.loader import ConfigLoadError, load_document
from openpcs.gateway.secret_box import SecretBoxError
from openpcs.gateway.settings import GatewaySettings, resolve_settings
from openpcs.gateway.store.database import (
    StoreError,
    current_revision,
    head_revision,
    migrate,
    open_engine,
    store_failure,
)
from openpcs.gateway.store.tokens import TokenStore

__all__ = ["register"]

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Gateway settings file (YAML or JSON).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the SQLite store and keys live.")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL, e.g. postgresql+psycopg://user@host/db."),
]

token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
db_app = typer.Typer(
    help="The gateway's store: schema version and migrations.", no_args_is_help=True
)


def _settings(config: Path | None, **flags: Any) -> GatewaySettings:
    file_values: dict[str, Any] | None = None
    if config is not None:
        try:
            loaded = load_document(config, GatewaySettings, what="gateway settings")
        except ConfigLoadError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(2) from None
        if loaded.issues:
            for issue in loaded.issues:
                err.print(f"error: {issue.describe(str(config))}", markup=False)
            raise typer.Exit(2)
        file_values = loaded.raw
    try:
        return resolve_settings(file_values, os.environ, flags)
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(str(p) for p in problem["loc"])
            said = str(problem["msg"]).removeprefix("Value error, ")
            err.print(f"error: settings: {where + ': ' if where else ''}{said}", markup=False)
        raise typer.Exit(2) from None
    except ValueError as exc:
        err.print(f"error: settings: {exc}", markup=False)
        raise typer.Exit(2) from None


def serve(
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database: DatabaseOption = None,
    host: Annotated[str | None, typer.Option("--host", help="HTTP address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="HTTP port (0: any).")] = None,
    https_port: Annotated[
        int | None, typer.Option("--https-port", help="HTTPS port (0: any).")
    ] = None,
    no_http: Annotated[bool, typer.Option("--no-http", help="Serve HTTPS only.")] = False,
    no_https: Annotated[bool, typer.Option("--no-https", help="Serve HTTP only.")] = False,
    tcp_port: Annotated[int | None, typer.Option("--tcp-port", help="TCP ingest port.")] = None,
    udp_port: Annotated[
        int | None, typer.Option("--udp-port", help="Mesh UDP port (turns it on).")
    ] = None,
    mqtt_url: Annotated[
        str | None, typer.Option("--mqtt-url", help="Broker to take frames from (turns it on).")
    ] = None,
    log_level: Annotated[
        str | None, typer.Option("--log-level", help="debug, info, warning or error.")
    ] = None,
) -> None:
    """Run the gateway: HTTP, TCP (and UDP, MQTT, serial) ingest, the query API, forwarders."""
    from openpcs.gateway.api.app import create_app
    from openpcs.gateway.server import ListenError
    from openpcs.gateway.server import serve as run
    from openpcs.gateway.tls_files import TlsError
    from openpcs.web.app import create_web_app

    settings = _settings(
        config,
        data_dir=data_dir,
        database=database,
        log_level=log_level,
        http={"host": host, "port": port, "enabled": False if no_http else None},
        https={"port": https_port, "enabled": False if no_https else None},
        tcp={"port": tcp_port},
        udp_mesh={"port": udp_port, "enabled": True if udp_port is not None else None},
        mqtt_ingest={"url": mqtt_url, "enabled": True if mqtt_url else None},
    )
    try:
        run(settings, create_web_app if settings.web.enabled else create_app)
    except StoreError as exc:
        _store_error(exc)
    except DBAPIError as exc:  # the store failed after it was opened (the web's tables)
        _store_error(store_failure(make_url(settings.database_url), exc))
    except SecretBoxError as exc:
        err.print(f"error: settings: security.secret_key: {exc}", markup=False)
        raise typer.Exit(2) from None
    except ListenError as exc:
        err.print(f"error: cannot listen: {exc.strerror or exc}", markup=False)
        raise typer.Exit(2) from None
    except TlsError as exc:
        err.print(f"error: https: {exc}", markup=False)
        raise typer.Exit(2) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"error: {where}{exc.strerror or exc}", markup=False)
        raise typer.Exit(2) from None


def _store_error(exc: StoreError) -> NoReturn:
    """Say in one line which store cannot be used and why; exit status 2."""
    err.print(f"error: store: {exc}", markup=False)
    raise typer.Exit(2) from None


def _tokens(config: Path | None, data_dir: Path | None, database: str | None) -> TokenStore:
    settings = _settings(config, data_dir=data_dir, database=database)
    try:
        engine = open_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
        migrate(engine)
    except StoreError as exc:
        err.print(f"error: store: {exc}", markup=False)
        raise typer.Exit(2) from None
    return TokenStore(engine)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="A name to know the token by.")],
    scope: Annotated[str, typer.Option("--scope", help="read, ingest or admin.")] = "read",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create a token and print it (the only time it is shown)."""
    if scope not in ("read", "ingest", "admin"):
        raise typer.BadParameter("read, ingest or admin", param_hint="--scope")
    try:
        token = _tokens(config, data_dir, database).create(name, scope)  # type: ignore[arg-type]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from None
    out.print(token, markup=False)


@token_app.command("list")
def token_list(
    config: ConfigOption = None, data_dir: DataDirOption = None, database: DatabaseOption = None
) -> None:
    """List the tokens in the store (never the tokens themselves)."""
    table = Table("id", "name", "scope", "created", "revoked")
    for item in _tokens(config, data_dir, database).all():
        revoked = item.revoked_at.isoformat(timespec="seconds") if item.revoked_at else ""
        created = item.created_at.isoformat(timespec="seconds")
        table.add_row(str(item.id), item.name, item.scope, created, revoked)
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name or id.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database: DatabaseOption = None,
) -> None:
    """Revoke tokens by name or id."""
    count = _tokens(config, data_dir, database).revoke(name)
    if not count:
        err.print(f"error: no active token {name!r}", markup=False)
        raise typer.Exit(1)
    out.print(f"revoked {count} token{'s' if count > 1 else ''}", markup=False)


@db_app.command("upgrade")
def db_upgrade(
    config: ConfigOption = None, data_dir: DataDirOption = None, database: DatabaseOption = None
) -> None:
    """Bring the store's schema to this version's (``serve`` does it too)."""
    settings = _settings(config, data_dir=data_dir, database=database)
    try:
        engine = open_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
        before = current_revision(engine)
        migrate(engine)
    except StoreError as exc:
        err.print(f"error: store: {exc}", markup=False)
        raise typer.Exit(2) from None
    out.print(f"schema {before or 'empty'} → {head_revision()}", markup=False)


@db_app.command("status")
def db_status(
    config: ConfigOption = None, data_dir: DataDirOption = None, database: DatabaseOption = None
) -> None:
    """Show the store's schema revision and this version's."""
    settings = _settings(config, data_dir=data_dir, database=database)
    try:
        engine = open_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
        current = current_revision(engine)
    except StoreError as exc:
        err.print(f"error: store: {exc}", markup=False)
        raise typer.Exit(2) from None
    out.print(f"store: {current or 'empty'}; this openpcs: {head_revision()}", markup=False)


def process(
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database: DatabaseOption = None,
    log_level: Annotated[
        str | None, typer.Option("--log-level", help="debug, info, warning or error.")
    ] = None,
) -> None:
    """Process archived frames of a PostgreSQL store that gateways with
    ``pipeline.processing: elsewhere`` archive into; run as many as there are cores to use."""
    from openpcs.gateway.processing_claims import serve_claims

    settings = _settings(config, data_dir=data_dir, database=database, log_level=log_level)
    if not settings.database_url.startswith("postgresql"):
        err.print("error: settings: database: 'openpcs process' needs a PostgreSQL store")
        raise typer.Exit(2)
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(message)s")
    try:
        serve_claims(settings)
    except StoreError as exc:
        _store_error(exc)
    except DBAPIError as exc:
        _store_error(store_failure(make_url(settings.database_url), exc))


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``process``, ``token`` and ``db`` to the main command."""
    app.command("serve")(serve)
    app.command("process")(process)
    app.add_typer(token_app, name="token")
    app.add_typer(db_app, name="db")
