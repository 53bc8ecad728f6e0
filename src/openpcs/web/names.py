"""The names users give things (templates, accounts, API tokens, tags) and the URLs built
from them.

Names keep :data:`openpcs.text.names.NAME_RULE` (checked here with a :class:`Refused` naming the
field). Every URL a page or a redirect builds from a name goes through :func:`path_url`,
which encodes each segment as one segment.
"""

from __future__ import annotations

from urllib.parse import quote

from openpcs.text.names import NAME_RULE, name_problem
from openpcs.web.errors import Refused

__all__ = ["NAME_RULE", "check_name", "name_problem", "path_url"]


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
