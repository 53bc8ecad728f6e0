"""The HTML pages. Each change is a form POST that redirects back with a message (or an API
call from the page's script); every page needs a session, except the login page."""

import json
import secrets
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from openpcs.config.model import (
    BatteryWarning,
    EncryptionConfig,
    GpsConfig,
    RadiationConfig,
    RelayConfig,
    SleepConfig,
    WatchdogConfig,
)
from openpcs.gateway.api.query_routes import readings_csv
from openpcs.gateway.store.queries import frames, readings
from openpcs.web.api import zip_response
from openpcs.web.auth import SESSION_COOKIE, Caller, require_admin
from openpcs.web.catalog_view import form_catalog
from openpcs.web.data_views import latest_readings, sensor_series
from openpcs.web.errors import WebError
from openpcs.web.form_fields import conditions, destination_fields, fields_of, radio_fields
from openpcs.web.plots import svg_plot
from openpcs.web.programming import saved_form
from openpcs.web.services import ADMIN_PASSWORD_FILE, WebServices

__all__ = ["pages_router"]

_LOGIN_CSRF: Final = "openpcs_login"
_MAX_UPLOAD: Final = 1024 * 1024

_jinja = Environment(
    loader=PackageLoader("openpcs.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can close it early)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _back(path: str, message: str, *, error: bool = False) -> RedirectResponse:
    kind = "error" if error else "ok"
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}{kind}={quote(message)}", status_code=303)


def _safe_next(target: str) -> str:
    """Only a path of this site: never another host (``//host`` or a scheme)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def _upload_text(upload: UploadFile | None) -> str:
    if upload is None:
        return ""
    data = await upload.read(_MAX_UPLOAD + 1)
    if len(data) > _MAX_UPLOAD:
        raise WebError("the file is over 1 MiB", "file")
    return data.decode("utf-8-sig", errors="replace")


def pages_router(services: WebServices) -> APIRouter:
    """The page routes."""
    router = APIRouter(include_in_schema=False)
    registry, templates, batches = services.registry, services.templates, services.batches
    Signed = Annotated[Caller, Depends(services.auth.page_caller)]  # noqa: N806

    def page(name: str, request: Request, caller: Caller | None, **context: Any) -> HTMLResponse:
        html = _jinja.get_template(name).render(
            caller=caller,
            csrf=caller.csrf if caller else "",
            ok=request.query_params.get("ok", ""),
            error=request.query_params.get("error", ""),
            licence=registry.licence(),
            **context,
        )
        return HTMLResponse(html)

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
            next=_safe_next(next),
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
        target = _safe_next(next)
        if not expected or not secrets.compare_digest(expected, csrf_token):
            return _back(
                f"/login?next={quote(target)}", "the form was stale; try again", error=True
            )
        account = services.accounts.authenticate(username, password)
        if account is None:
            return _back(f"/login?next={quote(target)}", "wrong username or password", error=True)
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

    @router.get("/")
    def home(_caller: Signed) -> Response:
        return RedirectResponse("/devices", status_code=303)

    # --- the form ---------------------------------------------------------------------------

    @router.get("/configure")
    def configure(
        request: Request, caller: Signed, serial: str = "", template: str = ""
    ) -> Response:
        initial: dict[str, Any] = {}
        if serial:
            entry = registry.get(serial)
            initial = {"serial": entry.serial, "node_name": entry.name, "model": entry.model}
            if entry.has_config:
                initial = saved_form(registry, entry.serial) | {"serial": entry.serial}
        elif template:
            initial = dict(templates.load(template).document)
        return page(
            "configure.html",
            request,
            caller,
            catalog_json=_script_json(form_catalog()),
            initial_json=_script_json(initial),
            templates=templates.all(),
            devices=registry.search(),
            radio_fields=radio_fields(),
            destination_fields=destination_fields(),
            sections={
                "relay": fields_of(RelayConfig, "relay"),
                "radiation": fields_of(RadiationConfig, "radiation"),
                "gps": fields_of(GpsConfig, "gps"),
                "sleep": fields_of(SleepConfig, "sleep"),
                "watchdog": fields_of(WatchdogConfig, "watchdog"),
                "battery_warning": fields_of(BatteryWarning, "battery_warning"),
                "encryption": fields_of(EncryptionConfig, "encryption"),
            },
            section_when=conditions()["sections"],
        )

    # --- registry and data ------------------------------------------------------------------

    @router.get("/devices")
    def devices_page(request: Request, caller: Signed, q: str = "") -> Response:
        return page(
            "devices.html",
            request,
            caller,
            q=q,
            devices=registry.search(q),
            count=registry.count(),
            models=form_catalog()["models"],
            licences=form_catalog()["licences"],
        )

    @router.post("/devices")
    def add_device(
        _caller: Signed,
        serial: Annotated[str, Form(max_length=64)],
        model: Annotated[str, Form(max_length=64)],
        name: Annotated[str, Form(max_length=128)] = "",
        tags: Annotated[str, Form(max_length=1024)] = "",
    ) -> Response:
        try:
            entry = registry.add(serial, name, model, tags.split(","))
        except WebError as exc:
            return _back("/devices", str(exc), error=True)
        return _back("/devices", f"{entry.serial} registered")

    @router.post("/devices/import")
    async def import_devices(_caller: Signed, file: UploadFile) -> Response:
        try:
            report = registry.import_csv(await _upload_text(file))
        except WebError as exc:
            return _back("/devices", str(exc), error=True)
        message = f"{len(report.added)} added"
        if report.refused:
            return _back("/devices", f"{message}; " + "; ".join(report.refused[:5]), error=True)
        return _back("/devices", message)

    @router.post("/settings/licence")
    def set_licence(caller: Signed, licence: Annotated[str, Form(max_length=16)]) -> Response:
        require_admin(caller)
        try:
            registry.set_licence(licence)
        except WebError as exc:
            return _back("/devices", str(exc), error=True)
        return _back("/devices", f"licence set to {form_catalog()['licences'][licence]}")

    @router.get("/devices/{serial}")
    def device_page(request: Request, caller: Signed, serial: str) -> Response:
        entry = registry.get(serial)
        engine = services.gateway.engine
        latest = latest_readings(engine, entry.serial)
        raw, _ = frames(engine, serial=entry.serial, limit=50)
        return page(
            "device.html",
            request,
            caller,
            device=entry,
            latest=latest,
            plotted=[item for item in latest if item.value is not None],
            frames=raw,
            programs=registry.programs(entry.serial),
        )

    @router.get("/devices/{serial}/plots/{sensor}.svg")
    def plot(_caller: Signed, serial: str, sensor: str, unit: str = "") -> Response:
        entry = registry.get(serial)
        points = sensor_series(services.gateway.engine, entry.serial, sensor)
        return Response(
            svg_plot(points, title=sensor, unit=unit[:16]),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store"},
        )

    @router.get("/devices/{serial}/readings.csv")
    def export_readings(_caller: Signed, serial: str) -> Response:
        entry = registry.get(serial)
        items, _ = readings(services.gateway.engine, serial=entry.serial, limit=100_000)
        return Response(
            readings_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{entry.serial}-readings.csv"'},
        )

    @router.get("/programs/{program_id}/bundle")
    def program_bundle(_caller: Signed, program_id: int) -> Response:
        return zip_response(*registry.program_bundle(program_id))

    # --- templates --------------------------------------------------------------------------

    @router.get("/templates")
    def templates_page(request: Request, caller: Signed, show: str = "") -> Response:
        versions = templates.versions(show) if show else []
        return page(
            "templates.html", request, caller, items=templates.all(), show=show, versions=versions
        )

    @router.post("/templates/import")
    async def import_template(
        caller: Signed, name: Annotated[str, Form(max_length=64)], file: UploadFile
    ) -> Response:
        try:
            version = templates.import_yaml(name, await _upload_text(file), caller.name)
        except WebError as exc:
            return _back("/templates", str(exc), error=True)
        return _back("/templates", f"{name}: version {version} saved (secrets left out)")

    @router.post("/templates/{name}/rename")
    def rename_template(
        _caller: Signed, name: str, new_name: Annotated[str, Form(max_length=64)]
    ) -> Response:
        try:
            templates.rename(name, new_name)
        except WebError as exc:
            return _back("/templates", str(exc), error=True)
        return _back("/templates", f"{name} is now {new_name.strip()}")

    @router.post("/templates/{name}/delete")
    def delete_template(_caller: Signed, name: str) -> Response:
        try:
            templates.remove(name)
        except WebError as exc:
            return _back("/templates", str(exc), error=True)
        return _back("/templates", f"{name} deleted")

    @router.get("/templates/{name}/export.yaml")
    def export_template(_caller: Signed, name: str, version: int | None = None) -> Response:
        text = templates.export_yaml(name, version)
        filename = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
        return Response(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="{filename}.yaml"'},
        )

    # --- batches ----------------------------------------------------------------------------

    @router.get("/batches")
    def batches_page(request: Request, caller: Signed) -> Response:
        return page(
            "batches.html",
            request,
            caller,
            items=batches.recent(),
            templates=templates.all(),
            devices=registry.search(),
        )

    @router.post("/batches")
    async def start_batch(request: Request, caller: Signed) -> Response:
        form = await request.form()
        template = str(form.get("template") or "")
        serials = [str(value) for value in form.getlist("serials")]
        upload = form.get("file")
        csv_text = await _upload_text(upload) if isinstance(upload, UploadFile) else ""
        try:
            batch_id = batches.start(
                template,
                serials=serials or None,
                csv_text=csv_text if csv_text.strip() else None,
                made_by=caller.name,
            )
        except WebError as exc:
            return _back("/batches", str(exc), error=True)
        return RedirectResponse(f"/batches/{batch_id}", status_code=303)

    @router.get("/batches/{batch_id}")
    def batch_page(request: Request, caller: Signed, batch_id: int) -> Response:
        return page("batch.html", request, caller, batch=batches.get(batch_id))

    @router.get("/batches/{batch_id}/zip")
    def batch_zip(_caller: Signed, batch_id: int) -> Response:
        return zip_response(*batches.archive(batch_id))

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
            return _back("/account", str(exc), error=True)
        return _back("/login", "password changed; sign in again")

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
            return _back("/account", str(exc), error=True)
        return _back("/account", f"account {username.strip().lower()} created")

    @router.post("/users/{username}/delete")
    def delete_user(caller: Signed, username: str) -> Response:
        require_admin(caller)
        try:
            services.accounts.remove(username)
        except WebError as exc:
            return _back("/account", str(exc), error=True)
        return _back("/account", f"account {username} deleted")

    @router.post("/tokens")
    def create_token(
        caller: Signed,
        name: Annotated[str, Form(min_length=1, max_length=64)],
        scope: Annotated[str, Form(max_length=8)],
    ) -> Response:
        require_admin(caller)
        if scope not in ("read", "ingest", "admin"):
            return _back("/account", "scope: read, ingest or admin", error=True)
        token = services.gateway.tokens.create(name.strip(), scope)  # type: ignore[arg-type]
        response = _back("/account", f"token {name.strip()} created: copy it now, it is shown once")
        response.set_cookie("openpcs_new_token", token, max_age=60, httponly=True, path="/account")
        return response

    @router.post("/tokens/{name}/revoke")
    def revoke_token(caller: Signed, name: str) -> Response:
        require_admin(caller)
        revoked = services.gateway.tokens.revoke(name)
        services.gateway.auth.forget()
        if not revoked:
            return _back("/account", f"no live token named {name}", error=True)
        return _back("/account", f"token {name} revoked")

    return router
