"""Before a batch starts: the keys its template leaves to each node, and which nodes lack one.

A batch template holds no secrets; each node's keys come from a CSV column or from the
device's saved configuration. A batch where some node would have no value for a key the
template needs is refused before anything runs, naming the key and those nodes, so that the
key column is asked for at once instead of failing node by node.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpcs.config.check import check_data
from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import is_secret
from openpcs.web.errors import Refused

__all__ = ["check_keys_given", "keys_needed"]

_SHOWN = 5


def keys_needed(template: dict[str, Any], serial: str) -> list[str]:
    """The paths of the secrets ``template`` needs and leaves to each node (those its check
    finds missing when no node gives them), e.g. ``encryption.key``."""
    result = check_data(template | {"serial": serial}, source="template")
    return sorted(
        {
            issue.path
            for issue in result.errors
            if issue.path and is_secret(NodeConfig, tuple(issue.path.split(".")))
        }
    )


def check_keys_given(
    template: dict[str, Any], rows: list[dict[str, str]], placeholders: Iterable[str] = ()
) -> None:
    """:class:`Refused` (at ``csv``) naming the first key some nodes lack, and those nodes:
    a key the template's check needs, or one of its ``placeholders`` (paths of the secrets
    the template had, a link key too)."""
    if not rows:
        return
    for path in sorted(set(keys_needed(template, rows[0]["serial"])) | set(placeholders)):
        lacking = [row["serial"] for row in rows if not row.get(path, "").strip()]
        if lacking:
            shown = ", ".join(lacking[:_SHOWN]) + (" …" if len(lacking) > _SHOWN else "")
            raise Refused(
                f"the template leaves {path} to each node and {len(lacking)} of {len(rows)} "
                f"have none ({shown}): upload a CSV with a column '{path}', or save each "
                "device's configuration with it",
                "csv",
            )
