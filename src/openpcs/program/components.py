"""The parts of a program, each rendered by one template: board, probes, options, radio.

A :class:`Component` names its template and carries what the template needs. The order of the
components is the order of the frame plan (built-in probes, sockets A to F, the industrial
protocol, GPS, battery), so the fields are added exactly as planned; options that add no
fields (watchdog, events, encryption) and the radio follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from openpcs.catalog.devices import industrial, lorawan
from openpcs.catalog.hardware import ModelSpec, ProbeSpec, probes
from openpcs.config.lorawan_operation import lorawan_operation
from openpcs.config.model import (
    SOCKETS,
    CanBusConfig,
    Cellular4G,
    LoRaWAN,
    ModbusConfig,
    NodeConfig,
    Sigfox,
    Wifi,
)
from openpcs.config.plan import FramePlan, fragment_size
from openpcs.program.errors import GenerationError
from openpcs.program.fields import FieldRef
from openpcs.program.probe_code import family_template, xtreme_probe

__all__ = ["XTREME_BOARD", "Component", "build_components"]

XTREME_BOARD: Final = "SensorXtr"
_RADIO_TEMPLATES: Final = {
    "xbee_802_15_4": "radios/xbee.j2",
    "xbee_900hp": "radios/xbee.j2",
    "xbee_868lp": "radios/xbee.j2",
    "xbee_zigbee3": "radios/xbee.j2",
    "4g": "radios/cellular_4g.j2",
    "wifi": "radios/wifi.j2",
    "sigfox": "radios/sigfox.j2",
    "lorawan": "radios/lorawan.j2",
}


@dataclass
class Component:
    """One part of the program: its template, the configuration item it comes from, its data."""

    template: str
    path: str
    data: dict[str, Any] = field(default_factory=dict)
    #: seconds the probes of this part must be powered before they are read
    warmup_s: int = 0


def _fields_of(plan: FramePlan, path: str, source: str | None = None) -> list[FieldRef]:
    return [
        FieldRef.of(planned, plan.frame_type)
        for planned in plan.fields
        if planned.path == path and (source is None or planned.source == source)
    ]


def _probe(
    model: ModelSpec,
    plan: FramePlan,
    probe: ProbeSpec,
    socket: str | None,
    config: NodeConfig,
) -> Component:
    path = f"sockets.{socket}.probe" if socket else "model"
    fields = (
        _fields_of(plan, path) if socket else _fields_of(plan, "model", f"built in: {probe.id}")
    )
    settings = config.sockets.get(socket) if socket else None  # type: ignore[call-overload]
    data: dict[str, Any] = {
        "socket": socket,
        "probe": probe,
        "settings": settings,
        "fields": fields,
        "obj": f"probe{socket}" if socket else f"builtin_{probe.id}",
        "event": (settings.event if settings is not None else None) or "disabled",
    }
    if model.board_library == XTREME_BOARD:
        entry = xtreme_probe(probe.id, probe.family)
        data["xtreme"] = entry
        data["values"] = entry.expressions([f.tag for f in fields], data["obj"])
        template = "probes/xtreme.j2"
    else:
        template, extra = family_template(probe.family)
        data |= extra
    warmup = 120 if probe.family == "gas_pro" else 0
    return Component(template, path, data, warmup_s=warmup)


def _probes(config: NodeConfig, model: ModelSpec, plan: FramePlan) -> list[Component]:
    known = probes()
    parts = [_probe(model, plan, known[probe_id], None, config) for probe_id in model.builtin]
    for socket in SOCKETS:
        chosen = config.sockets.get(socket)
        if chosen is not None:
            parts.append(_probe(model, plan, known[chosen.probe], socket, config))
    return parts


def _industrial(config: NodeConfig, plan: FramePlan) -> list[Component]:
    if isinstance(config.industrial, ModbusConfig):
        reads = [
            {"read": read, "field": _fields_of(plan, f"industrial.reads[{index}]")[0]}
            for index, read in enumerate(config.industrial.reads)
        ]
        return [Component("options/modbus.j2", "industrial", {"reads": reads})]
    if isinstance(config.industrial, CanBusConfig):
        operations = industrial().canbus.operations
        items = [
            {"operation": name, "field": _fields_of(plan, f"industrial.operations[{index}]")[0]}
            for index, name in enumerate(config.industrial.operations)
            if name in operations
        ]
        return [Component("options/canbus.j2", "industrial", {"operations": items})]
    return []


def _gps(config: NodeConfig, plan: FramePlan) -> list[Component]:
    if config.gps is None or not config.gps.enabled:
        return []
    prefix = "gps.fields["
    items = [
        {
            "name": config.gps.fields[int(planned.path[len(prefix) : -1])],
            "field": FieldRef.of(planned, plan.frame_type),
        }
        for planned in plan.fields  # in the plan's order, which is the frame's
        if planned.path.startswith(prefix)
    ]
    return [Component("options/gps.j2", "gps", {"items": items})]


def _battery(config: NodeConfig, plan: FramePlan) -> Component:
    battery = [f for f in plan.fields if f.source == "battery level"]
    warning = [f for f in plan.fields if f.path == "battery_warning"]
    data: dict[str, Any] = {"field": FieldRef.of(battery[0], plan.frame_type)}
    if warning and config.battery_warning is not None:
        data["warning"] = FieldRef.of(warning[0], plan.frame_type)
        data["thresholds"] = list(config.battery_warning.thresholds)
    return Component("options/battery.j2", "battery_warning", data)


def _radio(config: NodeConfig, plan: FramePlan) -> Component:
    data: dict[str, Any] = {"radio": config.radio, "destination": config.destination}
    if plan.tiny is not None:
        data["tiny_length"] = plan.tiny.max_length
    if plan.fragments:
        data["fragment_size"] = fragment_size(plan)
    if isinstance(config.radio, Cellular4G | Wifi) and config.destination is None:
        raise GenerationError(f"destination: a {config.radio.type} radio needs a destination")
    if isinstance(config.radio, LoRaWAN | Sigfox) and plan.tiny is None:
        raise GenerationError(f"radio: {config.radio.type} sends tiny frames; none were planned")
    if isinstance(config.radio, LoRaWAN) and plan.tiny is not None:
        operation = lorawan_operation(config.radio, plan.tiny.max_length)
        if list(operation.spacing_ms) not in ([], list(range(len(operation.spacing_ms)))):
            raise GenerationError("radio.region: the data rates of the spacing table are not 0..n")
        data["lorawan"] = operation
        data["module"] = lorawan().regions[config.radio.region].module
    return Component(_RADIO_TEMPLATES[config.radio.type], "radio", data)


def build_components(config: NodeConfig, model: ModelSpec, plan: FramePlan) -> list[Component]:
    """Every part of the program for a checked configuration, in frame-plan order."""
    parts = [Component(f"boards/{model.board_library}.j2", "model", {"model": model})]
    parts += _probes(config, model, plan)
    if config.relay is not None and config.relay.enabled:
        parts.append(Component("options/relay.j2", "relay", {"relay": config.relay}))
    parts += _industrial(config, plan)
    parts += _gps(config, plan)
    parts.append(_battery(config, plan))
    if config.watchdog is not None and config.watchdog.enabled:
        parts.append(
            Component("options/watchdog.j2", "watchdog", {"minutes": config.watchdog.minutes})
        )
    parts.append(Component("options/encryption.j2", "encryption", {"types": plan.sent_types}))
    parts.append(_radio(config, plan))
    return parts
