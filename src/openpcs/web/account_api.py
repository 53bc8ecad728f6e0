"""The account routes of the REST API under ``/api/v1/pcs``: accounts (admins) and the
caller's own password."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from openpcs.web.api import plain
from openpcs.web.auth import Caller, require_admin
from openpcs.web.errors import Refused
from openpcs.web.services import WebServices

__all__ = ["account_api_router"]


class NewUser(BaseModel):
    """An account to create."""

    username: str
    password: str
    role: str = "user"


class NewPassword(BaseModel):
    """A password change for the caller."""

    password: str


def account_api_router(services: WebServices) -> APIRouter:
    """The ``/api/v1/pcs`` account routes."""
    caller_of = services.auth.api_caller
    router = APIRouter(prefix="/api/v1/pcs", tags=["pcs"], dependencies=[Depends(caller_of)])
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
        return plain(services.accounts.create(user.username, user.password, user.role))

    @router.delete("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
    def remove_user(username: str, caller: Signed) -> None:
        """Delete an account (admins; the last admin stays)."""
        require_admin(caller)
        services.accounts.remove(username)

    @router.put("/account/password", status_code=status.HTTP_204_NO_CONTENT)
    def change_password(change: NewPassword, caller: Signed) -> None:
        """Change the caller's own password (it ends the caller's sessions)."""
        if caller.account.id == 0:
            raise Refused("a token has no password", "password")
        services.accounts.set_password(caller.name, change.password)

    return router
