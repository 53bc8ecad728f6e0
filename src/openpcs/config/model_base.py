"""``StrictModel``: the base of every part of the node configuration model.

A key the model does not know is an error (reported with a "did you mean" by the loader),
never silently ignored; text is stripped of surrounding whitespace; values are not coerced
from one type to another; the offending input is never repeated in an error message, so a
secret typed in the wrong place does not leak through one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    """Unknown keys are errors (with a "did you mean"), never silently ignored."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, strict=True
    )
