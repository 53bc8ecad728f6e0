"""Building frozen slotted dataclasses from values already valid by construction.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` and may check
its values in ``__post_init__``; for what a gateway builds per packet from whole bytes (a
parsed frame, a receive result) that costs more than the parsing. The hot paths instead take
a bare instance (:data:`bare`) and set each slot with the setters :func:`slot_setters` gives,
one call per field, written out at the call site (a generic loop or a generated builder costs
a Python call more). Callers pass only values that ``__init__`` would accept, and set every
field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Final

__all__ = ["bare", "slot_setters"]

#: An instance of a slotted class with none of its slots set yet.
bare: Final = object.__new__

SlotSetter = Callable[[Any, Any], None]


def slot_setters(cls: type) -> tuple[SlotSetter, ...]:
    """The setters of every field of the slotted dataclass ``cls``, in declaration order;
    they set a slot past a frozen dataclass's ``__setattr__``."""
    fields = dataclasses.fields(cls)
    return tuple(vars(cls)[field.name].__set__ for field in fields)
