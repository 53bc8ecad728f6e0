"""The signing-in and account pages: login, logout, the caller's password, and (for admins)
accounts and API tokens. Every change is a form POST that redirects back with a message."""

import secrets
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openpcs.web.auth import SESSION_COOKIE, Caller, require_admin
from openpcs.web.errors import WebError
from openpcs.web.page_render import back, render_page, safe_next
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

    @router.get("/login")
    def login_page(request: Request, next: str = "/") -> Response:
        token = secrets.token_urlsafe(16)
        first = (
            services.accounts.count() == 1
            and (services.gateway.settings.data_dir / ADMIN_PASSWORD_FILE).exists()
        )
        response = page(
            "login.html",
            request,
            None,
            next=safe_next(next),
            login_csrf=token,
            password_file=str(services.gateway.settings.data_dir / ADMIN_PASSWORD_FILE)
            if first
            else "",
        )
        response.set_cookie(_LOGIN_CSRF, token, httponly=True, samesite="strict", path="/login")
        return response

    @router.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
        csrf_token: Annotated[str, Form(max_length=64)] = "",
        next: Annotated[str, Form(max_length=2048)] = "/",
    ) -> Response:
        expected = request.cookies.get(_LOGIN_CSRF, "")
        target = safe_next(next)
        if not expected or not secrets.compare_digest(expected, csrf_token):
            return back(f"/login?next={quote(target)}", "the form was stale; try again", error=True)
        account = services.accounts.authenticate(username, password)
        if account is None:
            return back(f"/login?next={quote(target)}", "wrong username or password", error=True)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            services.accounts.start_session(account),
            max_age=int(services.accounts.session_length.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=services.secure_cookies,
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

    @router.get("/account")
    def account_page(request: Request, caller: Signed) -> Response:
        admin = caller.account.is_admin
        new_token = request.cookies.get("openpcs_new_token", "")
        response = page(
            "account.html",
            request,
            caller,
            users=services.accounts.all() if admin else [],
            tokens=services.gateway.tokens.all() if admin else [],
            new_token=new_token if admin else "",
        )
        response.delete_cookie("openpcs_new_token", path="/account")
        return response

    @router.post("/account/password")
    def change_password(caller: Signed, password: Annotated[str, Form(max_length=256)]) -> Response:
        try:
            services.accounts.set_password(caller.name, password)
        except WebError as exc:
            return back("/account", str(exc), error=True)
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
            return back("/account", str(exc), error=True)
        return back("/account", f"account {username.strip().lower()} created")

    @router.post("/users/{username}/delete")
    def delete_user(caller: Signed, username: str) -> Response:
        require_admin(caller)
        try:
            services.accounts.remove(username)
        except WebError as exc:
            return back("/account", str(exc), error=True)
        return back("/account", f"account {username} deleted")

    @router.post("/tokens")
    def create_token(
        caller: Signed,
        name: Annotated[str, Form(min_length=1, max_length=64)],
        scope: Annotated[str, Form(max_length=8)],
    ) -> Response:
        require_admin(caller)
        if scope not in ("read", "ingest", "admin"):
            return back("/account", "scope: read, ingest or admin", error=True)
        token = services.gateway.tokens.create(name.strip(), scope)  # type: ignore[arg-type]
        response = back("/account", f"token {name.strip()} created: copy it now, it is shown once")
        response.set_cookie("openpcs_new_token", token, max_age=60, httponly=True, path="/account")
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
