"""Checking what can be checked while some values are missing or of the wrong type.

A configuration that does not validate has no model to run the rules on, so a form with one
empty required field would hide every rule finding elsewhere (a probe on the wrong socket, a
sleep too short for the radio). Here the values that failed are replaced, on a copy, by the
stand-ins of ``config/data/stand_ins.yaml``, the copy is validated again, and the rules run
on it. Their findings are kept except those at a replaced path, below it, at the sections
that hold it, or at a list that holds it and that list's other items: those would speak of
the stand-in, not of what the user gave. Nothing of the stand-in configuration is ever shown,
saved or built. A failing value without a stand-in (a mistyped choice, a value of a field
with a default) leaves no provisional findings at all: what the rules would say could hang
on it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml
from pydantic import ValidationError

from openpcs.config.issues import Issue
from openpcs.config.loader import clean_loc
from openpcs.config.model import NodeConfig
from openpcs.config.rules import RuleContext, run_rules
from openpcs.config.yaml_source import Located, PathKey, format_path

__all__ = ["provisional_findings"]

#: How many times the copy is mended and validated again (mending a union can uncover more).
_ROUNDS: Final = 4
_UNMENDABLE: Final = frozenset({"union_tag_not_found", "union_tag_invalid"})


@cache
def _stand_ins() -> dict[tuple[str, ...], Any]:
    text = resources.files("openpcs.config").joinpath("data/stand_ins.yaml").read_text("utf-8")
    return {tuple(key.split(".")): value for key, value in yaml.safe_load(text).items()}


def _stand_in(loc: PathKey) -> tuple[bool, Any]:
    """Whether a stand-in is known for ``loc``, and a fresh copy of it."""
    parts = tuple(str(part) for part in loc)
    for pattern, value in _stand_ins().items():
        if len(pattern) != len(parts):
            continue
        if all(want in ("*", part) for want, part in zip(pattern, parts, strict=True)):
            return True, copy.deepcopy(value)
    return False, None


def _mend(data: dict[str, Any], loc: PathKey) -> bool:
    """Put a stand-in at ``loc`` in ``data``; ``False`` when there is none for it or the place
    does not exist. A wrong value in a field with a default is not left out for the default:
    other fields' findings may hang on it (a destination that is not Meshlium makes
    device-to-gateway encryption wrong), and no finding could be told from those."""
    known, value = _stand_in(loc)
    if not loc or not known:
        return False
    parent: Any = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    key = loc[-1]
    if isinstance(parent, dict) and isinstance(key, str):
        parent[key] = value
        return True
    if isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
        parent[key] = value
        return True
    return False


def _touches(path: str, mended: Iterable[PathKey]) -> bool:
    """Whether a finding at ``path`` may speak of a stand-in."""
    for loc in mended:
        place = format_path(loc)
        if path == place or path.startswith((place + ".", place + "[")):
            return True
        if path and place.startswith((path + ".", path + "[")):  # its section: "sleep"
            return True
        for index, part in enumerate(loc):
            if isinstance(part, int):  # in a list item: the list's order, sums, … too
                whole = format_path(loc[:index])
                if path == whole or path.startswith(whole + "["):
                    return True
    return False


def provisional_findings(
    raw: Any, located: Located | None = None, *, template: bool = False
) -> list[Issue]:
    """The rules' findings on ``raw`` with its failing values stood in for, none of them at
    a stood-in path; empty when no valid copy could be made (a missing model, say)."""
    if not isinstance(raw, dict):
        return []
    data = copy.deepcopy(raw)
    mended: list[PathKey] = []
    for _ in range(_ROUNDS):
        try:
            config = NodeConfig.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            if any(error["type"] in _UNMENDABLE for error in errors):
                return []
            locs = [clean_loc(NodeConfig, tuple(error["loc"])) for error in errors]
            if not all(_mend(data, loc) for loc in dict.fromkeys(locs)):
                return []
            mended.extend(locs)
            continue
        context = RuleContext(config, located, template=template)
        return [issue for issue in run_rules(context) if not _touches(issue.path, mended)]
    return []
