"""The signing-in and account pages: login, logout, the caller's password, and (for admins)
accounts and API tokens. Every change is a form POST that redirects back with a message, but
for a throttled password check: that answers 429 (or 503) with ``Retry-After`` and the page."""

import secrets
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openpcs.web.auth import SESSION_COOKIE, Caller, client_address, require_admin
from openpcs.web.errors import WebError
from openpcs.web.login_throttle import TryLater
from openpcs.web.names import check_name
from openpcs.web.page_render import back, page_message, render_page, safe_next
from openpcs.web.password_change import change_own_password, retire_password_file
from openpcs.web.services import ADMIN_PASSWORD_FILE, WebServices

__all__ = ["account_router"]

_LOGIN_CSRF: Final = "openpcs_login"


def account_router(services: WebServices) -> APIRouter:
    """The signing-in and account routes."""
    router = APIRouter(include_in_schema=False)
    Signed = Annotated[Caller, Depends(services.auth.page_caller)]  # noqa: N806

    def page(name: str, request: Request, caller: Caller | None, **context: Any) -> HTMLResponse:
        return render_page(services, name, request, caller, **context)

    # --- signing in -------------------------------------------------------------------------

    def login_form(request: Request, target: str, refused: TryLater | None = None) -> Response:
        """The login page with a fresh form token; with ``refused``, its message, status and
        ``Retry-After``. The first admin's password file is named, never its path."""
        token = secrets.token_urlsafe(16)
        first = (
            services.accounts.count() == 1
            and (services.gateway.settings.data_dir / ADMIN_PASSWORD_FILE).exists()
        )
        response = page(
            "login.html",
            request,
            None,
            next=target,
            login_csrf=token,
            password_file=ADMIN_PASSWORD_FILE if first else "",
            refusal=str(refused) if refused else "",
        )
        if refused is not None:
            response.status_code = refused.status
            response.headers.update(refused.headers)
        response.set_cookie(
            _LOGIN_CSRF,
            token,
            httponly=True,
            samesite="strict",
            path="/login",
            secure=services.secure_cookies or request.url.scheme == "https",
        )
        return response

    @router.get("/login")
    def login_page(request: Request, next: str = "/") -> Response:
        return login_form(request, safe_next(next))

    @router.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
        csrf_token: Annotated[str, Form(max_length=64)] = "",
        next: Annotated[str, Form(max_length=2048)] = "/",
    ) -> Response:
        """Sign in; 429 (or 503) with ``Retry-After`` and the login page while throttled."""
        expected = request.cookies.get(_LOGIN_CSRF, "")
        target = safe_next(next)
        if not expected or not secrets.compare_digest(expected, csrf_token):
            return back(f"/login?next={quote(target)}", "the form was stale; try again", error=True)
        try:
            account = services.accounts.authenticate(username, password, client_address(request))
        except TryLater as exc:
            return login_form(request, target, exc)
        if account is None:
            return back(f"/login?next={quote(target)}", "wrong username or password", error=True)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            services.accounts.start_session(account),
            max_age=int(services.accounts.session_length.total_seconds()),
            httponly=True,
            samesite="lax",
            # over HTTPS the cookie never goes back over plain HTTP (cookies ignore ports)
            secure=services.secure_cookies or request.url.scheme == "https",
        )
        response.delete_cookie(_LOGIN_CSRF, path="/login")
        return response

    @router.post("/logout")
    def logout(request: Request, _caller: Signed) -> Response:
        services.accounts.end_session(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # --- account, users, tokens -------------------------------------------------------------

    def account_view(request: Request, caller: Caller, refused: TryLater | None = None) -> Response:
        """The account page; with ``refused``, its message, status and ``Retry-After``."""
        admin = caller.account.is_admin
        new_token = request.cookies.get("openpcs_new_token", "")
        response = page(
            "account.html",
            request,
            caller,
            users=services.accounts.all() if admin else [],
            tokens=services.gateway.tokens.all() if admin else [],
            new_token=new_token if admin else "",
            refusal=str(refused) if refused else "",
        )
        if refused is not None:
            response.status_code = refused.status
            response.headers.update(refused.headers)
        response.delete_cookie("openpcs_new_token", path="/account")
        return response

    @router.get("/account")
    def account_page(request: Request, caller: Signed) -> Response:
        return account_view(request, caller)

    @router.post("/account/password")
    def change_password(
        request: Request,
        caller: Signed,
        current_password: Annotated[str, Form(max_length=256)],
        password: Annotated[str, Form(max_length=256)],
    ) -> Response:
        """Change one's password given the current one: back to the account page with the
        error when refused, the account page with 429/503 and ``Retry-After`` while
        throttled, the login page once changed (the change ends the sessions)."""
        try:
            change_own_password(
                services, caller, current_password, password, client_address(request)
            )
        except TryLater as exc:
            return account_view(request, caller, exc)
        except WebError as exc:
            return back("/account", page_message(exc), error=True)
        return back("/login", "password changed; sign in again")

    @router.post("/users")
    def add_user(
        caller: Signed,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
        role: Annotated[str, Form(max_length=8)] = "user",
    ) -> Response:
        require_admin(caller)
        try:
            services.accounts.create(username, password, role)
        except WebError as exc:
            return back("/account", page_message(exc), error=True)
        return back("/account", f"account {username.strip().lower()} created")

    @router.post("/users/{username}/delete")
    def delete_user(caller: Signed, username: str) -> Response:
        require_admin(caller)
        try:
            services.accounts.remove(username)
        except WebError as exc:
            return back("/account", page_message(exc), error=True)
        retire_password_file(services, username)
        return back("/account", f"account {username} deleted")

    @router.post("/tokens")
    def create_token(
        request: Request,
        caller: Signed,
        name: Annotated[str, Form(max_length=256)],
        scope: Annotated[str, Form(max_length=8)],
    ) -> Response:
        require_admin(caller)
        if scope not in ("read", "ingest", "admin"):
            return back("/account", "scope: read, ingest or admin", error=True)
        try:
            name = check_name(name, "token")
        except WebError as exc:
            return back("/account", page_message(exc), error=True)
        token = services.gateway.tokens.create(name, scope)  # type: ignore[arg-type]
        response = back("/account", f"token {name} created: copy it now, it is shown once")
        response.set_cookie(
            "openpcs_new_token",
            token,
            max_age=60,
            httponly=True,
            samesite="strict",
            secure=services.secure_cookies or request.url.scheme == "https",
            path="/account",
        )
        return response

    @router.post("/tokens/{name}/revoke")
    def revoke_token(caller: Signed, name: str) -> Response:
        require_admin(caller)
        revoked = services.gateway.tokens.revoke(name)
        services.gateway.auth.forget()
        if not revoked:
            return back("/account", f"no live token named {name}", error=True)
        return back("/account", f"token {name} revoked")

    return router
