"""The answers of the gateway's routes besides their success, for the OpenAPI description.

Every route lists every status it can give: :data:`EVERY_ROUTE` those the application gives
for any route (a NUL in the path or query string, a body over the limit, a busy store), the
routers their own (a missing or weak token), each route the rest (:func:`errors`). Bodies
are JSON ``{"error": …}`` (validation errors add ``problems``); the Meshlium path answers
the same statuses in plain text.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel

__all__ = ["EVERY_ROUTE", "ErrorBody", "InvalidBody", "errors", "plain_errors"]


class ErrorBody(BaseModel):
    """An error: where and what, in one line."""

    error: str


class InvalidBody(BaseModel):
    """A request that does not match the route's parameters or body: every problem."""

    error: str
    problems: list[str]


_DESCRIPTIONS: Final = {
    400: "bad input (a malformed body or frame, a NUL in the path or query string)",
    401: "no token, or a token that is not valid (unknown or revoked)",
    403: "the token's scope does not allow this",
    404: "no such thing",
    413: "the request body (or its number of frames) is over the limit",
    415: "a body type this route does not take",
    422: "the request does not match the route's parameters or body (every problem listed)",
    503: (
        "the store is busy or cannot take frames now, or too many frames are waiting: "
        "nothing was stored; try again after Retry-After seconds"
    ),
}


def errors(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses; ``descriptions`` (``e404="…"``)
    replace the general description of a status for one route."""
    return {
        code: {
            "model": InvalidBody if code == 422 else ErrorBody,
            "description": descriptions.get(f"e{code}", _DESCRIPTIONS[code]),
        }
        for code in codes
    }


def plain_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses answered in plain text (the Meshlium path)."""
    return {
        code: {"description": _DESCRIPTIONS[code], "content": {"text/plain": {}}} for code in codes
    }


#: What any route may answer: a NUL in the request, a body over the limit, a busy store.
EVERY_ROUTE: Final = errors(400, 413, 503)
