"""Frame fit (the planned frame against the node's and the radio's limits), LoRaWAN air time,
Sigfox messages and program memory."""

from __future__ import annotations

from collections.abc import Iterator

from openpcs.catalog.devices import memory
from openpcs.catalog.hardware import probes
from openpcs.config.estimates import SIGFOX_DAILY_LIMIT
from openpcs.config.issues import Issue
from openpcs.config.model import LoRaWAN, Sigfox
from openpcs.config.plan import FramePlan
from openpcs.config.rules.base import RuleContext, error, rule, warning
from openpcs.frames.layout import MAX_FIELDS, MAX_FRAME

_SECONDS_PER_DAY = 86_400


@rule("frame-fit", "3.1")
def frame_fits(context: RuleContext) -> Iterator[Issue]:
    """The frame fits the node (30 fields, 255 bytes) and the radio, or is split where it can be."""
    plan = context.plan
    if plan is None:
        return
    if plan.field_count > MAX_FIELDS:
        yield error(
            "sockets", f"the frame would carry {plan.field_count} fields; at most {MAX_FIELDS}"
        )
    if plan.frame_size > MAX_FRAME:
        yield error("sockets", f"the frame would be {plan.frame_size} bytes; at most {MAX_FRAME}")
    radio = context.radio
    if plan.tiny is not None:
        for tag in plan.tiny.dropped:
            yield error(
                "radio",
                f"field {tag} never fits in a {plan.tiny.max_length}-byte {radio.name} frame",
            )
        return
    limit = plan.radio_max
    if limit is None or plan.sent_size <= limit:
        return
    if plan.fragments or plan.fragment_dropped:
        for tag in plan.fragment_dropped:
            yield error("radio", f"field {tag} is too large for any {radio.name} fragment")
        if not plan.fragment_dropped:
            yield warning(
                "radio.fragments",
                f"the {plan.sent_size}-byte frame exceeds the {limit} bytes of {radio.name}; "
                f"it is sent as {len(plan.fragments)} fragments",
            )
        return
    yield error(_overflow_path(plan), _overflow_message(context, plan, limit))


def _overflow_path(plan: FramePlan) -> str:
    """The configuration item to blame: the first whose field overflows (not the battery)."""
    culprit = plan.overflow()
    if culprit is not None and culprit.path:
        return culprit.path
    configurable = [f.path for f in plan.fields if f.path and f.path != "battery_warning"]
    return configurable[-1] if configurable else "radio"


def _overflow_message(context: RuleContext, plan: FramePlan, limit: int) -> str:
    radio = context.radio
    room = plan.room if plan.room is not None else limit
    advice = "remove fields"
    if context.config.node_name:
        advice += ", drop the node name"
    if radio.fragments:
        advice += " or set radio.fragments: true"
    culprit = plan.overflow()
    added = f"{culprit.sensor.tag} takes the frame past " if culprit else "the frame exceeds "
    return (
        f"{added}the {room} bytes {radio.name} carries here "
        f"(planned {plan.frame_size} bytes{' before encryption' if room != limit else ''}); "
        f"{advice}"
    )


@rule("airtime", "3.1")
def airtime_and_messages(context: RuleContext) -> Iterator[Issue]:
    """LoRaWAN air time against the duty cycle and TTN fair use; Sigfox against 140 a day."""
    figures = context.estimates
    radio = context.config.radio
    if figures is None or not isinstance(radio, LoRaWAN | Sigfox):
        return
    if isinstance(radio, Sigfox):
        daily = figures.sigfox_messages_per_day or 0.0
        if daily > SIGFOX_DAILY_LIMIT:
            yield warning(
                "sleep",
                f"{daily:.0f} Sigfox messages a day ({figures.frames_per_cycle} per cycle); "
                f"the network accepts {SIGFOX_DAILY_LIMIT}: sleep longer or send fewer fields",
            )
        return
    chosen = figures.lorawan_rate
    if chosen is None:
        return
    daily = chosen.airtime_s * figures.cycles_per_day
    if figures.duty_cycle is not None and daily > figures.duty_cycle * _SECONDS_PER_DAY:
        yield error(
            "sleep",
            f"{daily:.0f} s of air time a day at DR{chosen.data_rate} exceeds the "
            f"{figures.duty_cycle:.0%} duty cycle ({figures.duty_cycle * _SECONDS_PER_DAY:.0f} s)",
        )
    if daily > figures.ttn_fair_use_s:
        yield warning(
            "sleep",
            f"{daily:.1f} s of air time a day at DR{chosen.data_rate}: over the "
            f"{figures.ttn_fair_use_s:.0f} s The Things Network fair-use budget "
            "(private networks are not bound by it)",
        )


def _part_path(context: RuleContext, part: str) -> str:
    """The configuration item a program part of the memory estimate comes from."""
    kind, _, name = part.partition(".")
    if kind in ("probe", "kind"):
        for socket, chosen in sorted(context.config.sockets.items()):
            probe = probes().get(chosen.probe)
            if chosen.probe == name or (probe is not None and probe.family == name):
                return f"sockets.{socket}.probe"
        return "model"
    paths = {
        "radio": "radio",
        "destination": "destination",
        "industrial": "industrial",
        "gps": "gps",
        "payload_encryption": "encryption",
        "cloud_bridge_key": "destination.key",
        "battery_warning": "battery_warning",
        "fragments": "radio.fragments",
    }
    return paths.get(kind, "model")


@rule("memory", "2.16.2")
def program_fits_memory(context: RuleContext) -> Iterator[Issue]:
    """The estimated program must fit the node: flash, and RAM at its worst moment (static
    data and the deepest stack); close to either limit is a warning (guide §2.16.2)."""
    if context.estimates is None:
        return
    found = context.estimates.memory
    spec = memory()
    parts = ", ".join(
        p for p in found.parts if p.startswith(("radio.", "destination.", "industrial.", "gps"))
    )
    worst = (
        f"{found.worst_ram:,} B of RAM at its worst moment ({found.ram:,} B of data and "
        f"{found.stack:,} B of stack, the deepest for {found.deepest_part})"
    )
    if found.worst_ram > found.ram_limit or found.flash > found.flash_limit:
        yield error(
            _part_path(context, found.deepest_part)
            if found.worst_ram > found.ram_limit
            else "radio",
            f"the program is estimated at {found.flash:,} B of {found.flash_limit:,} B flash "
            f"and {worst} of {found.ram_limit:,} B: it does not fit; drop a feature such as "
            "GPS, the industrial protocol, encryption or a probe",
        )
    elif found.ram_limit - found.worst_ram < spec.stack_margin:
        yield warning(
            _part_path(context, found.deepest_part),
            f"the program is estimated at {worst} of {found.ram_limit:,} B: under "
            f"{spec.stack_margin:,} B to spare, it may reset while it runs ({parts})",
        )
    elif found.flash_fraction > spec.warn_fraction or found.ram_fraction > spec.warn_fraction:
        yield warning(
            "radio",
            f"the program is estimated at {found.flash:,} B of {found.flash_limit:,} B flash and "
            f"{found.ram:,} B of {found.ram_limit:,} B RAM ({parts}); it may not fit: drop a "
            "feature such as GPS, the industrial protocol or HTTPS",
        )
