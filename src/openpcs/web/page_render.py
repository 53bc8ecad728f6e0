"""What every HTML page route shares: the Jinja2 environment (with ``path_url``, the one way a
template builds a link from names), the page renderer, redirects back with a message, and
bounded uploads."""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import UploadFile

from openpcs.web.auth import Caller
from openpcs.web.errors import WebError
from openpcs.web.form_fields import label_for, option_label
from openpcs.web.names import path_url
from openpcs.web.services import WebServices

__all__ = ["back", "render_page", "safe_next", "script_json", "upload_text"]

_MAX_UPLOAD: Final = 1024 * 1024

_jinja = Environment(
    loader=PackageLoader("openpcs.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_jinja.globals["path_url"] = path_url
_jinja.globals["option_label"] = option_label


def render_page(
    services: WebServices, name: str, request: Request, caller: Caller | None, **context: Any
) -> HTMLResponse:
    """The template ``name`` with the caller, its CSRF token, the ``ok``/``error`` message of
    the redirect that led here (``context`` may give its own) and the registry's licence; a
    page with an ``error`` of its own is answered 422."""
    values: dict[str, Any] = {
        "caller": caller,
        "csrf": caller.csrf if caller else "",
        "ok": request.query_params.get("ok", ""),
        "error": request.query_params.get("error", ""),
        "licence": services.registry.licence(),
    }
    html = _jinja.get_template(name).render(values | context)
    return HTMLResponse(html, status_code=422 if context.get("error") else 200)


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can close it early)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: fields whose form holds nothing else: a refusal of them needs no name in front
_ALONE_IN_ITS_FORM: Final = frozenset({"api_dir", "csv", "file", "devices"})


def page_message(exc: WebError) -> str:
    """A refusal as a page says it in its notice: the field by its label ("Username: at most
    64 characters"), a configuration path as the YAML writes it, or the message alone where
    the form has that one field."""
    if not exc.path or exc.path in _ALONE_IN_ITS_FORM:
        return exc.message
    if "." in exc.path:
        return str(exc)
    return f"{label_for(exc.path)}: {exc.message}"


def back(path: str, message: str, *, error: bool = False) -> RedirectResponse:
    """A 303 to ``path`` (a path of this site) carrying ``message`` as ``ok`` or ``error``."""
    kind = "error" if error else "ok"
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}{kind}={quote(message)}", status_code=303)


def safe_next(target: str) -> str:
    """Only a path of this site: never another host (``//host`` or a scheme)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def upload_text(upload: object) -> str:
    """An uploaded file's text (UTF-8, a BOM dropped); ``""`` when ``upload`` is no file (a
    form field left empty is a plain string); :class:`WebError` over 1 MiB.

    Files are recognised as Starlette's ``UploadFile``, which is what a parsed form holds
    (FastAPI's class of that name is a subclass a form never returns)."""
    if not isinstance(upload, UploadFile):
        return ""
    data = await upload.read(_MAX_UPLOAD + 1)
    if len(data) > _MAX_UPLOAD:
        raise WebError("the file is over 1 MiB", "file")
    return data.decode("utf-8-sig", errors="replace")
