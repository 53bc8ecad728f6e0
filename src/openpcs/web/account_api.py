"""The account routes of the REST API under ``/api/v1/pcs``: accounts (admins) and the
caller's own password.

A password check refused for now answers 429 (throttled) or 503 (too many hashes at once)
with ``Retry-After`` in seconds and ``{"error": "<what>"}``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from openpcs.web.api import ErrorAnswer, pcs_api_router, plain
from openpcs.web.auth import Caller, client_address, require_admin
from openpcs.web.login_throttle import TryLater
from openpcs.web.password_change import change_own_password, retire_password_file
from openpcs.web.services import WebServices

__all__ = ["account_api_router"]


class NewUser(BaseModel):
    """An account to create."""

    username: str
    password: str
    role: str = "user"


class NewPassword(BaseModel):
    """A password change for the caller: the password now and the one to have."""

    current_password: str = Field(max_length=256)
    password: str


@contextmanager
def _retry_later() -> Iterator[None]:
    """A :class:`TryLater` in the block as its status with ``Retry-After``."""
    try:
        yield
    except TryLater as exc:
        raise HTTPException(exc.status, str(exc), headers=exc.headers) from None


def account_api_router(services: WebServices) -> APIRouter:
    """The ``/api/v1/pcs`` account routes."""
    caller_of = services.auth.api_caller
    router = pcs_api_router(
        services,
        {429: {"model": ErrorAnswer, "description": "too many wrong passwords: wait Retry-After"}},
    )
    Signed = Annotated[Caller, Depends(caller_of)]  # noqa: N806

    # --- accounts ---------------------------------------------------------------------------

    @router.get("/users")
    def list_users(caller: Signed) -> Any:
        """Every account (admins)."""
        require_admin(caller)
        return plain(services.accounts.all())

    @router.post("/users", status_code=status.HTTP_201_CREATED)
    def add_user(user: NewUser, caller: Signed) -> Any:
        """Create an account (admins)."""
        require_admin(caller)
        with _retry_later():
            return plain(services.accounts.create(user.username, user.password, user.role))

    @router.delete("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
    def remove_user(username: str, caller: Signed) -> None:
        """Delete an account (admins; the last admin stays)."""
        require_admin(caller)
        services.accounts.remove(username)
        retire_password_file(services, username)

    @router.put("/account/password", status_code=status.HTTP_204_NO_CONTENT)
    def change_password(change: NewPassword, request: Request, caller: Signed) -> None:
        """Change the caller's own password, given the current one (it ends the caller's
        sessions). A token has no password (400); a wrong current password is 403 and counts
        as a failed sign-in: too many answer 429 with ``Retry-After``."""
        with _retry_later():
            change_own_password(
                services, caller, change.current_password, change.password, client_address(request)
            )

    return router
