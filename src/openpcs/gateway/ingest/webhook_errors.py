"""The error raised by every webhook and callback parser of the gateway.

A :class:`WebhookError` means "this request body is malformed": the HTTP layer answers it with
400 and ingests nothing. It names the place of the problem as a JSON path (``rxInfo[0].snr``,
``uplink_message.frm_payload``; ``$`` for the body as a whole) or, for form-encoded callbacks,
as the field name.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["WebhookError", "finite_number", "type_name"]


class WebhookError(ValueError):
    """A malformed webhook body. ``str(error)`` is ``"<path>: <reason>"``."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


_JSON_NAMES: dict[type, str] = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def type_name(value: object) -> str:
    """What ``value`` is, in JSON words, for error messages ("a string", "an array", "null")."""
    return _JSON_NAMES.get(type(value), type(value).__name__)


def finite_number(value: Any, path: str) -> float:
    """A JSON number (not a boolean) as a finite float; :class:`WebhookError` naming ``path``
    otherwise (a string, NaN, infinity, an integer beyond the float range)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WebhookError(path, f"expected a number, got {type_name(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise WebhookError(path, "number out of range") from None
    if not math.isfinite(number):
        raise WebhookError(path, f"expected a finite number, got {number}")
    return number
