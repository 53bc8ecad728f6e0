"""Serial ID and node name (guide §2.2, §2.3), and templates (§2.1)."""

from __future__ import annotations

from collections.abc import Iterator

from openpcs.config.issues import Issue
from openpcs.config.loader import format_path
from openpcs.config.model import XBee802
from openpcs.config.rules.base import RuleContext, error, rule, warning
from openpcs.config.rules.formats import is_hex
from openpcs.config.secret_paths import secret_paths

_MAX_NAME = 16


def serial_problem(serial: str) -> str | None:
    """What is wrong with a serial ID (around spaces aside), or ``None``: 16 hex digits."""
    if is_hex(serial.strip(), 16):
        return None
    return f"the serial ID is 16 hex digits (from the node's sticker), not {serial!r}"


@rule("serial", "2.2")
def serial_is_sixteen_hex_digits(context: RuleContext) -> Iterator[Issue]:
    """The serial ID is 16 hex digits; a file without one is a template."""
    serial = context.config.serial
    if serial is None:
        yield warning(
            "serial",
            "no serial ID: checked as a template; give a node's serial ID to check it for "
            "that node",
        )
        return
    problem = serial_problem(serial)
    if problem is not None:
        yield error("serial", problem)


@rule("node-name", "2.3")
def node_name_fits_the_frame(context: RuleContext) -> Iterator[Issue]:
    """At most 16 printable ASCII characters, no '#'; a name costs payload, most on 802.15.4."""
    name = context.config.node_name
    if not name:
        return
    if len(name) > _MAX_NAME:
        yield error("node_name", f"the node name is {len(name)} characters; at most 16")
    if not name.isascii() or not name.isprintable():
        yield error("node_name", "the node name must be printable ASCII")
    if "#" in name:
        yield error("node_name", "the node name cannot contain '#', the frame's separator")
    if " " in name:
        yield warning("node_name", "spaces in the node name are sent as '_'")
    if isinstance(context.config.radio, XBee802):
        yield warning(
            "node_name",
            f"the name takes {len(name)} of the 100 bytes an XBee-PRO 802.15.4 frame has; "
            "leave it empty and rely on the serial ID to keep room for sensor data",
        )


@rule("template-secrets", "2.1")
def templates_hold_no_secrets(context: RuleContext) -> Iterator[Issue]:
    """A template (no serial in the file) gives secrets as ``!secret``/``!env`` references."""
    if not context.template or context.located is None:
        return
    for path in secret_paths(context.config):
        if path not in context.located.references:
            yield error(
                format_path(path),
                "a template must not hold secrets: write `!secret name` (from secrets.yaml) "
                "or `!env VARIABLE` instead",
            )
