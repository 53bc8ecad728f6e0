"""The HTML pages of the form, the registry and its data, templates and batches. Each change
is a form POST that redirects back with a message (or an API call from the page's script); every
page needs a session (signing in and accounts are in :mod:`openpcs.web.account_pages`)."""

import shlex
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from openpcs.catalog.devices import licences
from openpcs.config.model import (
    BatteryWarning,
    EncryptionConfig,
    GpsConfig,
    RadiationConfig,
    RelayConfig,
    SleepConfig,
    WatchdogConfig,
)
from openpcs.gateway.api.query_routes import Since, Until, check_range, readings_csv
from openpcs.gateway.store.queries import frames, readings
from openpcs.web.api import RowId
from openpcs.web.auth import Caller, require_admin
from openpcs.web.catalog_view import form_catalog
from openpcs.web.data_views import latest_readings, sensor_series, unregistered_senders
from openpcs.web.downloads import may_download, zip_download
from openpcs.web.errors import WebError
from openpcs.web.form_fields import (
    conditions,
    destination_fields,
    fields_of,
    label_for,
    radio_fields,
)
from openpcs.web.names import path_url
from openpcs.web.page_render import back, page_message, render_page, script_json, upload_text
from openpcs.web.programming import saved_form
from openpcs.web.services import WebServices

__all__ = ["pages_router"]

#: How many refused lines of a device import are said (the count of the others follows).
_SHOWN_REFUSALS = 5


def pages_router(services: WebServices) -> APIRouter:
    """The page routes."""
    router = APIRouter(include_in_schema=False)
    registry, templates, batches = services.registry, services.templates, services.batches
    Signed = Annotated[Caller, Depends(services.auth.page_caller)]  # noqa: N806

    def page(name: str, request: Request, caller: Caller | None, **context: Any) -> HTMLResponse:
        return render_page(services, name, request, caller, **context)

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
                initial = saved_form(registry, entry.serial, caller) | {"serial": entry.serial}
        elif template:
            initial = dict(templates.load(template).document)
        binary = services.build.choose()  # its reason names server paths: admins only
        return page(
            "configure.html",
            request,
            caller,
            catalog_json=script_json(form_catalog()),
            initial_json=script_json(initial),
            no_binary=binary.reason if binary.builder is None else "",
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
        everything = registry.search()
        return page(
            "devices.html",
            request,
            caller,
            q=q,
            devices=registry.search(q) if q else everything,
            unregistered=unregistered_senders(
                services.gateway.engine, {d.serial for d in everything}
            ),
            count=registry.count(),
            capacity=licences()[registry.licence()].nodes,
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
            return back("/devices", page_message(exc), error=True)
        return back("/devices", f"{entry.serial} registered")

    @router.post("/devices/import")
    async def import_devices(_caller: Signed, file: UploadFile) -> Response:
        try:
            report = registry.import_csv(await upload_text(file))
        except WebError as exc:
            return back("/devices", page_message(exc), error=True)
        message = f"{len(report.added)} added"
        if report.refused:
            shown = report.refused[:_SHOWN_REFUSALS]
            more = len(report.refused) - len(shown)
            said = "; ".join(shown) + (f"; and {more} more lines refused" if more else "")
            return back("/devices", f"{message}; {said}", error=True)
        return back("/devices", message)

    @router.post("/settings/licence")
    def set_licence(
        caller: Signed,
        licence: Annotated[str, Form(max_length=16)],
        confirm: Annotated[str, Form(max_length=8)] = "",
    ) -> Response:
        require_admin(caller)
        if confirm != "yes":
            return back("/devices", "tick the box to confirm the licence change", error=True)
        try:
            registry.set_licence(licence)
        except WebError as exc:
            return back("/devices", page_message(exc), error=True)
        return back("/devices", f"licence set to {form_catalog()['licences'][licence]}")

    @router.get("/devices/{serial}")
    def device_page(request: Request, caller: Signed, serial: str) -> Response:
        entry = registry.get(serial)
        engine = services.gateway.engine
        latest = latest_readings(engine, entry.serial)
        raw, _ = frames(engine, serial=entry.serial, limit=50)
        programs = registry.programs(entry.serial)
        # the newest bundle that holds a binary: the one to put on the node (the page says
        # when the last build is newer and holds none)
        uploadable = next((program for program in programs if program.has_hex), None)
        return page(
            "device.html",
            request,
            caller,
            device=entry,
            model_name=form_catalog()["models"].get(entry.model, {}).get("name", entry.model),
            latest=latest,
            plotted=[item for item in latest if item.plottable],
            frames=raw,
            programs=programs,
            uploadable=uploadable,
            upload_command=f"openpcs upload {shlex.quote(uploadable.bundle_name)}"
            if uploadable
            else "",
            may_download=lambda made_by: may_download(caller, made_by),
            gateway_keys=services.keys.held(entry.serial),
        )

    @router.post("/devices/{serial}/edit")
    def edit_device(
        _caller: Signed,
        serial: str,
        name: Annotated[str, Form(max_length=128)] = "",
        tags: Annotated[str, Form(max_length=1024)] = "",
    ) -> Response:
        entry = registry.get(serial)
        here = path_url("devices", entry.serial)
        try:
            registry.update(entry.serial, name=name, tags=[t for t in tags.split(",") if t.strip()])
        except WebError as exc:
            return back(here, page_message(exc), error=True)
        return back(here, f"{entry.serial} saved")

    @router.post("/devices/{serial}/delete")
    def delete_device(
        caller: Signed, serial: str, confirm: Annotated[str, Form(max_length=8)] = ""
    ) -> Response:
        require_admin(caller)  # the saved configuration and its keys go with the device
        entry = registry.get(serial)
        if confirm != "yes":
            message = "tick the box to confirm removing the device"
            return back(path_url("devices", entry.serial), message, error=True)
        registry.remove(entry.serial)
        return back("/devices", f"{entry.serial} removed from the registry (its firmware stays)")

    @router.get("/devices/{serial}/series.json")
    def series(_caller: Signed, serial: str, since: Since = None, until: Until = None) -> Response:
        """The device's measured sensors in ``[since, until)`` for the page's plots."""
        check_range(since, until)
        entry = registry.get(serial)
        found = sensor_series(services.gateway.engine, entry.serial, since=since, until=until)
        return JSONResponse(
            {"serial": entry.serial, "series": [item.to_dict() for item in found]},
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
    def program_bundle(caller: Signed, program_id: RowId) -> Response:
        return zip_download(caller, registry.program_bundle(program_id))

    # --- templates --------------------------------------------------------------------------

    @router.get("/templates")
    def templates_page(request: Request, caller: Signed, show: str = "") -> Response:
        versions = templates.versions(show) if show else []
        return page(
            "templates.html", request, caller, items=templates.all(), show=show, versions=versions
        )

    @router.post("/templates/import")
    async def import_template(
        caller: Signed, name: Annotated[str, Form(max_length=256)], file: UploadFile
    ) -> Response:
        try:
            version = templates.import_yaml(name, await upload_text(file), caller.name)
        except WebError as exc:
            return back("/templates", page_message(exc), error=True)
        return back("/templates", f"{name}: version {version} saved (secrets left out)")

    @router.post("/templates/{name}/rename")
    def rename_template(
        _caller: Signed, name: str, new_name: Annotated[str, Form(max_length=256)]
    ) -> Response:
        try:
            templates.rename(name, new_name)
        except WebError as exc:
            return back("/templates", page_message(exc), error=True)
        return back("/templates", f"{name} is now {new_name.strip()}")

    @router.post("/templates/{name}/delete")
    def delete_template(_caller: Signed, name: str) -> Response:
        try:
            templates.remove(name)
        except WebError as exc:
            return back("/templates", page_message(exc), error=True)
        return back("/templates", f"{name} deleted")

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

    def batches_view(request: Request, caller: Caller, **refused: Any) -> HTMLResponse:
        """The batches page; ``refused`` (``error``, the ``chosen`` template and the
        ``picked`` serials) answers a batch that did not start, its choices still made."""
        every = templates.all()
        needs = {
            entry.name: [
                (label_for(path), path) for path in templates.load(entry.name).placeholders
            ]
            for entry in every
        }
        return page(
            "batches.html",
            request,
            caller,
            items=batches.recent(),
            templates=every,
            needs=needs,
            devices=registry.search(),
            may_download=lambda made_by: may_download(caller, made_by),
            **({"chosen": "", "picked": ()} | refused),
        )

    @router.get("/batches")
    def batches_page(request: Request, caller: Signed) -> Response:
        return batches_view(request, caller)

    @router.post("/batches")
    async def start_batch(request: Request, caller: Signed) -> Response:
        form = await request.form()
        template = str(form.get("template") or "")
        serials = [str(value) for value in form.getlist("serials")]
        try:
            csv_text = await upload_text(form.get("file"))
            batch_id = batches.start(
                template,
                serials=serials or None,
                csv_text=csv_text if csv_text.strip() else None,
                caller=caller,
            )
        except WebError as exc:
            return batches_view(
                request, caller, error=page_message(exc), chosen=template, picked=frozenset(serials)
            )
        return RedirectResponse(f"/batches/{batch_id}", status_code=303)

    @router.get("/batches/{batch_id}")
    def batch_page(request: Request, caller: Signed, batch_id: RowId) -> Response:
        batch = batches.get(batch_id)
        allowed = may_download(caller, batch.made_by)
        return page("batch.html", request, caller, batch=batch, may_download=allowed)

    @router.get("/batches/{batch_id}/zip")
    def batch_zip(caller: Signed, batch_id: RowId) -> Response:
        return zip_download(caller, batches.archive(batch_id))

    return router
