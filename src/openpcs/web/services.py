"""The web application's services, opened once on the gateway's store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from openpcs.gateway.runtime import Gateway, write_owner_only
from openpcs.program.errors import ProgramError
from openpcs.program.pipeline import BuilderChoice, choose_builder
from openpcs.web.accounts import Accounts, first_admin
from openpcs.web.auth import WebAuth
from openpcs.web.batches import BatchRunner
from openpcs.web.gateway_keys import GatewayKeys
from openpcs.web.registry import Registry
from openpcs.web.sealed_files import seal_stored_files
from openpcs.web.store.database import migrate_web
from openpcs.web.templates_store import TemplateStore

__all__ = ["ADMIN_PASSWORD_FILE", "WebServices", "open_services"]

#: Where the first admin account's password is written (readable by its owner only).
ADMIN_PASSWORD_FILE: Final = "admin-password"
_log = logging.getLogger("openpcs.web")


@dataclass
class WebServices:
    """Everything the routes call."""

    gateway: Gateway
    accounts: Accounts
    registry: Registry
    templates: TemplateStore
    batches: BatchRunner
    auth: WebAuth
    secure_cookies: bool
    keys: GatewayKeys

    def builder(self) -> BuilderChoice:
        """A builder for the configured Waspmote API, or source-only with the reason."""
        return self.batches.builder()


def _builder_for(api_dir: str | None, jobs: int) -> Callable[[], BuilderChoice]:
    """What chooses a builder each time one is needed (the toolchain may be installed later)."""

    def choose() -> BuilderChoice:
        try:
            return choose_builder(api_dir, jobs=jobs)
        except ProgramError as exc:
            return BuilderChoice(None, str(exc))

    return choose


def open_services(gateway: Gateway) -> WebServices:
    """Migrate the web tables and build the services on an opened gateway.

    A store without accounts gets ``admin`` with a random password, written to
    ``<data_dir>/admin-password``; firmware files stored before sealing began are sealed;
    batches a stopped server left running are marked.
    """
    settings = gateway.settings
    migrate_web(gateway.engine)
    accounts = Accounts(gateway.engine, session_hours=settings.web.session_hours)
    password = first_admin(accounts)
    if password is not None:
        path = settings.data_dir / ADMIN_PASSWORD_FILE
        write_owner_only(path, password + "\n")
        _log.warning("created the account 'admin'; its password is in %s", path)
    registry = Registry(gateway.engine, gateway.box)
    seal_stored_files(gateway.engine, gateway.box)
    templates = TemplateStore(gateway.engine)
    web = settings.web
    keys = GatewayKeys(gateway)
    batches = BatchRunner(
        gateway.engine,
        registry,
        templates,
        _builder_for(web.api_dir, web.build_jobs),
        jobs=web.build_jobs,
        keys=keys,
    )
    services = WebServices(
        gateway,
        accounts,
        registry,
        templates,
        batches,
        WebAuth(accounts, gateway.auth),
        web.secure_cookies,
        keys,
    )
    interrupted = services.batches.recover()
    if interrupted:
        _log.warning("%d batch(es) were interrupted by the last stop", interrupted)
    return services
