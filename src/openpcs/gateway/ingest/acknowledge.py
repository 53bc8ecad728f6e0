"""The ``?wait=`` choice of the HTTP ingest routes: answer once archived or once processed."""

from __future__ import annotations

from typing import Any, Final, get_args

from fastapi import HTTPException, Request, status

from openpcs.gateway.pipeline import Acknowledge

__all__ = ["WAIT_PARAMETER", "acknowledge_choice", "acknowledge_of"]

_CHOICES: Final = get_args(Acknowledge)

#: The parameter as OpenAPI documents it on every ingest route.
WAIT_PARAMETER: Final[dict[str, Any]] = {
    "parameters": [
        {
            "name": "wait",
            "in": "query",
            "required": False,
            "description": (
                "answer once the frames are archived (status 'archived', the gateway's default "
                "unless pipeline.acknowledge says otherwise) or once their results are stored "
                "('processed': each frame's status)"
            ),
            "schema": {"type": "string", "enum": list(_CHOICES)},
        }
    ]
}


def acknowledge_of(request: Request) -> Acknowledge | None:
    """The request's ``wait`` choice (``None``: the gateway's default); 400 for another."""
    try:
        return acknowledge_choice(request.query_params.get("wait"))
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


def acknowledge_choice(wait: str | None) -> Acknowledge | None:
    """A ``wait`` value read; :class:`ValueError` naming ``wait`` for one not in the choices."""
    if wait is None:
        return None
    if wait == "archived":
        return "archived"
    if wait == "processed":
        return "processed"
    raise ValueError(f"wait: {wait[:40]!r} is not one of {', '.join(repr(c) for c in _CHOICES)}")
