"""The caller's own password change, shared by the account page and the REST API, and the
first admin's password file, which goes once that password is no longer the one in it."""

from __future__ import annotations

from typing import Final

from openpcs.web.auth import Caller
from openpcs.web.errors import Refused
from openpcs.web.services import ADMIN_PASSWORD_FILE, WebServices

__all__ = ["FIRST_ADMIN", "change_own_password", "retire_password_file"]

#: The account ``open_services`` makes on a store without accounts (``first_admin``'s default).
FIRST_ADMIN: Final = "admin"


def retire_password_file(services: WebServices, username: str) -> None:
    """Remove ``<data_dir>/admin-password`` when ``username`` is the first admin's account
    (its password changed or the account went, so the file holds no live password)."""
    if username.strip().lower() == FIRST_ADMIN:
        (services.gateway.settings.data_dir / ADMIN_PASSWORD_FILE).unlink(missing_ok=True)


def change_own_password(
    services: WebServices, caller: Caller, current: str, password: str, address: str | None
) -> None:
    """Change the caller's password to ``password``, given its ``current`` one.

    :class:`Refused` for a token (it has no password) or a new password out of bounds;
    :class:`Forbidden` when ``current`` is wrong (counted by the login throttle);
    ``Throttled``/``Busy`` as :meth:`Accounts.authenticate`. Ends the caller's sessions and
    removes the first admin's password file when that is the account.
    """
    if caller.account.id == 0:
        raise Refused("a token has no password", "password")
    services.accounts.change_password(caller.name, current, password, address)
    retire_password_file(services, caller.name)
