"""The rule every name a user sets keeps: templates, accounts, API tokens, tags.

A name is 1 to 64 characters: letters, digits, spaces, ``.``, ``_`` and ``-``, starting with a
letter or a digit. So no name is ``.`` or ``..``, holds a ``/`` or a control character, or can
make a link built from it point anywhere else. The gateway (API tokens) and the web
application (everything else) check names against this one rule.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["NAME_RULE", "NAME_RULE_TEXT", "name_problem"]

#: What every user-set name must match (whole).
NAME_RULE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
#: The rule in words, for error messages.
NAME_RULE_TEXT: Final = (
    "1 to 64 letters, digits, spaces, '.', '_' or '-', starting with a letter or a digit"
)


def name_problem(name: str, what: str) -> str | None:
    """Why ``name`` (already trimmed) cannot name a ``what``, or ``None`` when it can."""
    if NAME_RULE.fullmatch(name) is None:
        return f"a {what} name is {NAME_RULE_TEXT}"
    return None
