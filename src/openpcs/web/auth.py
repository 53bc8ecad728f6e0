"""Who is asking: a browser's session cookie (with a CSRF token on every change) or an API
token (``Authorization: Bearer`` or ``X-Api-Key``; never HTTP Basic, which a browser may send
by itself on a forged cross-site request) of the gateway's token store.

Pages send a visitor without a session to ``/login``; API routes answer 401. A ``read`` token
may look, not change; an ``admin`` token acts as an admin. A session's changes (any method but
GET/HEAD) carry its CSRF token in the ``X-CSRF-Token`` header or the ``csrf_token`` form field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from urllib.parse import quote

from fastapi import HTTPException, Request, status

from openpcs.gateway.api.auth import Authenticator, presented_token, satisfies
from openpcs.web.accounts import Account, Accounts, csrf_matches, csrf_token

__all__ = ["SESSION_COOKIE", "Caller", "LoginRequired", "WebAuth", "client_address"]

SESSION_COOKIE: Final = "openpcs_session"
CSRF_HEADER: Final = "x-csrf-token"
CSRF_FIELD: Final = "csrf_token"
_SAFE: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """The account behind a request; ``csrf`` is set for browser sessions."""

    account: Account
    csrf: str = ""
    writable: bool = True

    @property
    def name(self) -> str:
        """Who made a thing, as the archive records it."""
        return self.account.username


class LoginRequired(Exception):
    """A page was asked for without a session: the handler redirects to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.location = f"/login?next={quote(next_path, safe='/')}"


class WebAuth:
    """Tells the caller of a web or API request."""

    def __init__(self, accounts: Accounts, tokens: Authenticator) -> None:
        self.accounts = accounts
        self.tokens = tokens

    def _token_caller(self, request: Request) -> Caller | None:
        token = presented_token(request, allow_basic=False)
        if token is None:
            return None
        scope = self.tokens.scope_of(token)
        if not satisfies(scope, "read"):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "the token is not valid, or may not read (it needs the read or admin scope)",
                headers={"WWW-Authenticate": 'Bearer realm="openpcs"'},
            )
        role = "admin" if scope == "admin" else "user"
        account = Account(0, f"token:{scope}", role, datetime.now(UTC))
        return Caller(account, writable=scope == "admin")

    def _session_caller(self, request: Request) -> Caller | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        account = self.accounts.session_account(cookie)
        if account is None or cookie is None:
            return None
        return Caller(account, csrf=csrf_token(cookie))

    async def _check_csrf(self, request: Request, caller: Caller) -> None:
        if request.method in _SAFE or not caller.csrf:
            return
        presented = request.headers.get(CSRF_HEADER)
        if presented is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if not csrf_matches(cookie, presented):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "the form's CSRF token is missing or stale: reload the page and try again",
            )

    async def _caller(self, request: Request) -> Caller | None:
        caller = self._token_caller(request) or self._session_caller(request)
        if caller is None:
            return None
        if request.method not in _SAFE and not caller.writable:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a read token may not change anything")
        await self._check_csrf(request, caller)
        return caller

    async def api_caller(self, request: Request) -> Caller:
        """FastAPI dependency for API routes: the caller, or 401."""
        caller = await self._caller(request)
        if caller is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "sign in, or send a token: Authorization: Bearer <token> (not HTTP Basic)",
                headers={"WWW-Authenticate": 'Bearer realm="openpcs"'},
            )
        return caller

    async def page_caller(self, request: Request) -> Caller:
        """FastAPI dependency for pages: the caller, or a redirect to the login page."""
        caller = await self._caller(request)
        if caller is None:
            path = request.url.path
            if request.url.query:
                path += "?" + request.url.query
            raise LoginRequired(path if request.method == "GET" else "/")
        return caller


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (behind a reverse proxy, the one uvicorn
    took from ``X-Forwarded-For`` when the proxy is in ``FORWARDED_ALLOW_IPS``), or ``None``."""
    return request.client.host if request.client else None


def require_admin(caller: Caller) -> None:
    """403 unless the caller is an admin."""
    if not caller.account.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may do this")
