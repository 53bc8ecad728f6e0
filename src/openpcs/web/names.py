"""The names users give things (templates, accounts, API tokens, tags) and the URLs built
from them.

A name is 1 to 64 characters: letters, digits, spaces, ``.``, ``_`` and ``-``, starting with a
letter or a digit. So no name is ``.`` or ``..``, holds a ``/`` or a control character, or can
make a link built from it point anywhere else. Every URL a page or a redirect builds from a
name goes through :func:`path_url`, which encodes each segment as one segment.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from openpcs.web.errors import Refused

__all__ = ["NAME_RULE", "check_name", "name_problem", "path_url"]

#: What every user-set name must match.
NAME_RULE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
_RULE_TEXT: Final = (
    "1 to 64 letters, digits, spaces, '.', '_' or '-', starting with a letter or a digit"
)


def name_problem(name: str, what: str) -> str | None:
    """Why ``name`` (already trimmed) cannot name a ``what``, or ``None`` when it can."""
    if NAME_RULE.fullmatch(name) is None:
        return f"a {what} name is {_RULE_TEXT}"
    return None


def check_name(name: str, what: str, path: str = "name") -> str:
    """``name`` trimmed; :class:`Refused` at ``path`` unless it matches :data:`NAME_RULE`."""
    text = name.strip()
    problem = name_problem(text, what)
    if problem is not None:
        raise Refused(problem, path)
    return text


def path_url(*segments: str | int) -> str:
    """An absolute path of this site from ``segments``, each encoded as one segment (``/``
    included); ``ValueError`` for an empty, ``.`` or ``..`` segment, which no URL may hold."""
    parts = []
    for segment in segments:
        text = str(segment)
        if text in ("", ".", ".."):
            raise ValueError(f"{text!r} cannot be a path segment")
        parts.append(quote(text, safe=""))
    return "/" + "/".join(parts)
