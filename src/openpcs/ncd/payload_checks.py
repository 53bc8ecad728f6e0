"""The checks every payload kind shares, decoding and building alike.

:func:`need` guards decoding: a payload shorter than its kind's fixed part raises
:class:`PayloadError` at the offset where it ends. :func:`whole` guards building: a field value
that is not a whole number in its range raises ``ValueError`` naming the field.
"""

from __future__ import annotations

from openpcs.ncd.errors import PayloadError

__all__ = ["need", "whole"]


def need(payload: bytes, size: int, what: str) -> None:
    """Raise :class:`PayloadError` when a ``what`` payload is shorter than ``size`` bytes."""
    if len(payload) < size:
        raise PayloadError(f"a {what} needs {size} bytes, got {len(payload)}", len(payload))


def whole(name: str, value: object, high: int) -> int:
    """``value`` as an int in 0..``high``; ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not 0 <= value <= high:
        raise ValueError(f"{name} must be 0..{high}, got {value}")
    return value
