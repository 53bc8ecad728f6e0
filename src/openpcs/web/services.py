"""The web application's services, opened once on the gateway's store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from openpcs.gateway.runtime import Gateway, write_owner_only
from openpcs.program.pipeline import BuilderChoice
from openpcs.web.accounts import Accounts, first_admin
from openpcs.web.auth import WebAuth
from openpcs.web.batches import BatchRunner
from openpcs.web.build_settings import NO_BINARY_ON_SERVER, BuildSettings
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
    build: BuildSettings

    def builder(self) -> BuilderChoice:
        """The builder bundles are made with (:func:`bundle_builder`)."""
        return bundle_builder(self.build)


def bundle_builder(build: BuildSettings) -> BuilderChoice:
    """A builder for the Waspmote API in use, or source-only with a reason fit for any
    bundle's manifest and batch report (which whoever built it downloads): it names no server
    path, the settings page says what is missing. Chosen each time (the toolchain may be
    installed, or the folder set, later)."""
    choice = build.choose()
    if choice.builder is not None:
        return choice
    return BuilderChoice(None, NO_BINARY_ON_SERVER)


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
    build = BuildSettings(gateway.engine, web.api_dir, jobs=web.build_jobs)
    batches = BatchRunner(
        gateway.engine,
        registry,
        templates,
        lambda: bundle_builder(build),
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
        build,
    )
    interrupted = services.batches.recover()
    if interrupted:
        _log.warning("%d batch(es) were interrupted by the last stop", interrupted)
    return services
