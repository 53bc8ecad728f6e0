"""The REST API of everything the form and pages do, under ``/api/v1/pcs`` (in the OpenAPI
document). Callers sign in (a session with its CSRF token) or send an API token."""

import dataclasses
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from openpcs.web.auth import Caller, require_admin
from openpcs.web.catalog_view import form_catalog
from openpcs.web.downloads import Download, zip_download
from openpcs.web.errors import Refused
from openpcs.web.programming import (
    CheckFailed,
    check_document,
    check_report,
    compile_document,
    keep_saved_keys,
    prepared,
    registry_issues,
    saved_form,
)
from openpcs.web.services import WebServices

__all__ = [
    "ERROR_RESPONSES",
    "MAX_ROW_ID",
    "ErrorAnswer",
    "RowId",
    "pcs_api_router",
    "pcs_router",
    "plain",
]


class ErrorAnswer(BaseModel):
    """What every refused request answers: the message, naming the field it is about."""

    error: str
    path: str = ""


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorAnswer, "description": description}


#: The answers every ``/api/v1/pcs`` route may give besides its own (documented in OpenAPI).
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: _error("bad input, named by its field"),
    401: _error("no session and no token, or a token that is not valid"),
    403: _error(
        "the caller may not do this (a read token changing something, a user acting "
        "as an admin, another account's firmware, a stale CSRF token)"
    ),
    404: _error("no such device, template, batch or bundle"),
    409: _error("it exists already, or the licence does not allow it"),
    422: _error("the request does not match this route's parameters or body"),
    503: _error("the store is busy: try again after Retry-After seconds"),
}

#: The largest id a stored row can have (a signed 64-bit integer).
MAX_ROW_ID: Final = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a stored row's id")]

Document = Annotated[dict[str, Any], Body(description="a node configuration, as in a YAML file")]


class NewDevice(BaseModel):
    """A device to register."""

    serial: str
    name: str = ""
    model: str
    tags: list[str] = Field(default_factory=list)


class DeviceChange(BaseModel):
    """A new name or new tags."""

    name: str | None = None
    tags: list[str] | None = None


class LicenceChoice(BaseModel):
    """The registry's licence tier."""

    licence: str


class Rename(BaseModel):
    """A template's new name."""

    name: str


class NewBatch(BaseModel):
    """A batch: a template and registered devices, a CSV of nodes, or both (the CSV's cells
    over each device's own values)."""

    template: str
    version: int | None = None
    serials: list[str] | None = None
    csv: str | None = None


def plain(value: Any) -> Any:
    """A dataclass (or a list of them) as JSON-ready values; anything else as it is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def pcs_api_router(
    services: WebServices, more_responses: dict[int | str, dict[str, Any]] | None = None
) -> APIRouter:
    """An empty router under ``/api/v1/pcs``: every route needs a caller (a session or a
    token) and documents :data:`ERROR_RESPONSES` and ``more_responses``."""
    return APIRouter(
        prefix="/api/v1/pcs",
        tags=["pcs"],
        dependencies=[Depends(services.auth.api_caller)],
        responses=ERROR_RESPONSES | (more_responses or {}),
    )


def pcs_router(services: WebServices) -> APIRouter:
    """The ``/api/v1/pcs`` routes."""
    caller_of = services.auth.api_caller
    router = pcs_api_router(services)
    registry, templates, batches = services.registry, services.templates, services.batches
    Signed = Annotated[Caller, Depends(caller_of)]  # noqa: N806

    @router.get("/catalog")
    def catalog() -> dict[str, Any]:
        """Models, probes per socket, calibrations, radios, destinations, licences."""
        return form_catalog()

    @router.post("/check")
    def check(document: Document, caller: Signed) -> dict[str, Any]:
        """ "Check configuration": ``{data, warnings, errors}`` as ``openpcs check --json``
        gives, with the summary text under ``text``."""
        ready = prepared(document, registry, caller)
        result = check_document(ready)
        result.issues.extend(registry_issues(ready, registry, services.keys))
        return check_report(result)

    @router.post(
        "/program",
        responses={
            200: {"content": {"application/zip": {}}},
            422: {
                "description": "the check's report, every finding at its field (the "
                "registry's among them: no serial, one not registered, another model, a "
                "DevEUI another device has)"
            },
        },
    )
    async def program(document: Document, caller: Signed) -> Response:
        """ "Compile and Download Binary": the bundle of a registered node (422 with the
        check's findings when the configuration has errors)."""
        try:
            made = await run_in_threadpool(
                compile_document, document, registry, services.builder(), caller, services.keys
            )
        except CheckFailed as exc:
            return JSONResponse({"error": str(exc)} | check_report(exc.result), 422)
        serial = str(document.get("serial", "")).strip().upper()
        made_here = Download(made.bundle_name, made.bundle, caller.name, f"device {serial}")
        answer = zip_download(caller, made_here)
        # what the zip holds, for a client to say so: a .hex, or the sources only
        answer.headers["X-Openpcs-Binary"] = "hex" if made.has_hex else "sources-only"
        return answer

    # --- registry ---------------------------------------------------------------------------

    @router.get("/licence")
    def get_licence() -> dict[str, Any]:
        """The licence tier and how many devices it allows."""
        return {"licence": registry.licence(), "devices": registry.count()}

    @router.put("/licence")
    def put_licence(choice: LicenceChoice, caller: Signed) -> dict[str, Any]:
        """Change the tier (admins; refused when the registry holds more devices)."""
        require_admin(caller)
        registry.set_licence(choice.licence)
        return get_licence()

    @router.get("/devices")
    def list_devices(q: Annotated[str, Query(max_length=64)] = "") -> Any:
        """Registered devices whose serial, name or a tag contains ``q``."""
        return plain(registry.search(q))

    @router.post("/devices", status_code=status.HTTP_201_CREATED)
    def add_device(device: NewDevice) -> Any:
        """Register a device (the licence's node count is enforced)."""
        return plain(registry.add(device.serial, device.name, device.model, device.tags))

    @router.post("/devices/import")
    async def import_devices(request: Request) -> dict[str, Any]:
        """Register every line of a ``serial,name,model,tags`` CSV (``text/csv`` body)."""
        text = (await request.body()).decode("utf-8", errors="replace")
        return dataclasses.asdict(registry.import_csv(text))

    @router.get("/devices/{serial}")
    def get_device(serial: str) -> Any:
        """One device, with whether it changed since its last build."""
        return plain(registry.get(serial))

    @router.patch("/devices/{serial}")
    def change_device(serial: str, change: DeviceChange) -> Any:
        """Rename or re-tag a device."""
        registry.update(serial, name=change.name, tags=change.tags)
        return plain(registry.get(serial))

    @router.delete("/devices/{serial}", status_code=status.HTTP_204_NO_CONTENT)
    def remove_device(serial: str, caller: Signed) -> None:
        """Unregister a device (admins: its saved configuration and keys go with it; its
        firmware archive stays)."""
        require_admin(caller)
        registry.remove(serial)

    @router.get("/devices/{serial}/config")
    def get_config(serial: str, caller: Signed) -> dict[str, Any]:
        """The saved configuration, without its secrets (``_kept_secrets`` lists those kept
        for the caller: the saver's and admins' to use)."""
        registry.get(serial)
        return saved_form(registry, serial, caller)

    @router.put("/devices/{serial}/config")
    def put_config(serial: str, document: Document, caller: Signed) -> dict[str, Any]:
        """Save a configuration for a device without building it (secrets left empty keep
        the saved ones where the caller may use them)."""
        entry = registry.get(serial)
        document = prepared(document | {"serial": entry.serial}, registry, caller)
        keep_saved_keys(registry, entry.serial, document, caller)
        return {"config_hash": registry.save_config(entry.serial, document, caller.name)}

    @router.get("/devices/{serial}/programs")
    def programs(serial: str) -> Any:
        """The device's firmware archive, newest first."""
        return plain(registry.programs(serial))

    @router.get(
        "/programs/{program_id}/bundle", responses={200: {"content": {"application/zip": {}}}}
    )
    def bundle(program_id: RowId, caller: Signed) -> Response:
        """A bundle from the firmware archive (admins and the account that made it: it
        holds the node's keys)."""
        return zip_download(caller, registry.program_bundle(program_id))

    # --- templates --------------------------------------------------------------------------

    @router.get("/templates")
    def list_templates() -> Any:
        """Every template with its newest version."""
        return plain(templates.all())

    @router.get("/templates/{name}")
    def load_template(name: str, version: int | None = None) -> Any:
        """A version of a template (the newest by default)."""
        return plain(templates.load(name, version))

    @router.put("/templates/{name}")
    def save_template(name: str, document: Document, caller: Signed) -> dict[str, Any]:
        """Save a new version (serial, node name and secrets are left out); ``placeholders``
        names, by path, each secret a node brings."""
        version = templates.save(name, document, caller.name)
        saved = templates.load(name, version)
        return {"name": name, "version": version, "placeholders": saved.placeholders}

    @router.get("/templates/{name}/versions")
    def template_versions(name: str) -> Any:
        """Every version, newest first."""
        return plain(templates.versions(name))

    @router.post("/templates/{name}/rename")
    def rename_template(name: str, rename: Rename) -> dict[str, str]:
        """Rename a template."""
        templates.rename(name, rename.name)
        return {"name": rename.name.strip()}

    @router.delete("/templates/{name}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_template(name: str) -> None:
        """Delete a template and all its versions."""
        templates.remove(name)

    @router.get("/templates/{name}/yaml", response_class=PlainTextResponse)
    def export_template(name: str, version: int | None = None) -> str:
        """A version as YAML."""
        return templates.export_yaml(name, version)

    @router.put("/templates/{name}/yaml")
    async def import_template(name: str, request: Request, caller: Signed) -> dict[str, Any]:
        """Save YAML (the request body) as a new version; secrets in it are dropped."""
        text = (await request.body()).decode("utf-8", errors="replace")
        return {"name": name, "version": templates.import_yaml(name, text, caller.name)}

    # --- batches ----------------------------------------------------------------------------

    @router.post("/batches", status_code=status.HTTP_202_ACCEPTED)
    def start_batch(batch: NewBatch, caller: Signed) -> Any:
        """Start a batch in the background (Elite licence); follow it at ``/batches/{id}``."""
        if batch.serials is None and batch.csv is None:
            raise Refused("give serials, csv or both", "serials")
        batch_id = batches.start(
            batch.template,
            serials=batch.serials,
            csv_text=batch.csv,
            caller=caller,
            version=batch.version,
        )
        return plain(batches.get(batch_id))

    @router.get("/batches")
    def list_batches() -> Any:
        """The newest batches."""
        return plain(batches.recent())

    @router.get("/batches/{batch_id}")
    def get_batch(batch_id: RowId) -> Any:
        """A batch's progress and each node's state."""
        return plain(batches.get(batch_id))

    @router.get("/batches/{batch_id}/zip", responses={200: {"content": {"application/zip": {}}}})
    def batch_zip(batch_id: RowId, caller: Signed) -> Response:
        """Every bundle of a finished batch and its report, in one zip (admins and the
        account that started it: the bundles hold the nodes' keys)."""
        return zip_download(caller, batches.archive(batch_id))

    return router
