"""The refusals every HTTP request may meet before any route: a NUL in its path or query
string, and a body over the limit. The middlewares around the application and the node lane
in front of it (:mod:`openpcs.gateway.ingest.node_paths`) give them in the same words."""

from __future__ import annotations

from typing import Final

from starlette.types import Scope

__all__ = ["NUL_MESSAGE", "declared_over", "holds_nul", "over_limit_message"]

#: Why a request with a NUL in its path or query string is refused (400).
NUL_MESSAGE: Final = "the request's path or query string holds a NUL character"


def holds_nul(scope: Scope) -> bool:
    """Whether the request's path or query string holds a NUL, raw or percent-encoded."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"\x00" in query or b"%00" in query


def over_limit_message(limit: int) -> str:
    """Why a body over ``limit`` bytes is refused (413)."""
    return f"the request body is over the limit of {limit} bytes"


def declared_over(scope: Scope, limit: int) -> bool:
    """Whether the request's ``Content-Length`` already says its body is over ``limit``."""
    declared = dict(scope["headers"]).get(b"content-length")
    return declared is not None and declared.isdigit() and int(declared) > limit
