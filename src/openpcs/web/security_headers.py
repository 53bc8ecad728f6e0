"""Security headers on every answer of the web application.

Every answer gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
``Referrer-Policy: same-origin``. HTML pages also get a Content Security Policy that runs only
the site's own script files (no inline script, no ``eval``), loads nothing from elsewhere, and
refuses framing; the OpenAPI pages (``/docs``, ``/redoc``), which FastAPI renders with inline
script, are left without it.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALWAYS_HEADERS", "CONTENT_SECURITY_POLICY", "SecurityHeaders"]

#: The policy of the application's pages.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: The headers every answer gets (the node lane in front of the application adds them too).
ALWAYS_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_OWN_SCRIPT_PAGES: Final = ("/docs", "/redoc")


class SecurityHeaders:
    """ASGI middleware adding the headers above to each HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        policy = not path.startswith(_OWN_SCRIPT_PAGES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in ALWAYS_HEADERS if name not in present]
                content_type = dict(headers).get(b"content-type", b"")
                if policy and content_type.startswith(b"text/html"):
                    headers.append(
                        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii"))
                    )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
