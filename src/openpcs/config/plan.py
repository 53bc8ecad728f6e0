"""The frame plan: exactly which fields the node's program adds, in order, and how they travel.

Field sizes come from the ``frames`` package itself (the same packing the decoder reads), so the
plan, the generated program and the gateway agree on every byte. Order: built-in probes, the
sockets A to F, the Modbus reads or CAN operations, the GPS fields, the battery level, and the
low-battery text (sent only when a threshold is crossed, but planned for).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

from openpcs.catalog import SensorSpec, ValueType, sensor_table
from openpcs.catalog.devices import RadioSpec, industrial, lorawan, radios
from openpcs.catalog.hardware import ModelSpec, node_models, probe_fields, probes
from openpcs.config.model import (
    SOCKETS,
    CanBusConfig,
    Cellular4G,
    CloudBridge,
    Http,
    Https,
    LoRaWAN,
    Meshlium,
    ModbusConfig,
    NodeConfig,
    Sms,
    Wifi,
    XBee802,
    XBee868LP,
    XBee900HP,
    XBeeZigBee3,
)
from openpcs.frames import Field
from openpcs.frames.binary import encode_header, pack_field
from openpcs.frames.layout import ENCRYPTED_HEADER_SIZE, FRAGMENT_BUFFER_SIZE, TINY_MAX, TINY_MIN
from openpcs.frames.split import first_fit

__all__ = [
    "SMS_MAX_FRAME",
    "FramePlan",
    "PlannedField",
    "TinyPlan",
    "encrypted_size",
    "fragment_size",
    "frame_types",
    "plan_frame",
    "radio_max_frame",
    "tiny_length",
]

_PLACEHOLDER_SERIAL: Final = "0" * 16
_BATTERY_TAG: Final = "BAT"
_WARNING_TAG: Final = "STR"
_WARNING_TEXT: Final = "LOW1"
_AES_BLOCK: Final = 16
_WIFI_DEFAULT_PATH: Final = "/getpost_frame_parser.php"
_QUERY: Final = "?frame="
#: One SMS carries 160 characters: the frame as hex, 2 characters per byte.
SMS_MAX_FRAME: Final = 80


@dataclass(frozen=True, slots=True)
class PlannedField:
    """One field of the plan: where it comes from, the sensor row and its size in bytes."""

    source: str
    sensor: SensorSpec
    size: int
    occasional: bool = False
    #: the configuration item that adds this field (``sockets.A.probe``, ``gps.fields[0]`` …)
    path: str = ""


@dataclass(frozen=True, slots=True)
class TinyPlan:
    """How the frame is cut into tiny frames of ``max_length`` bytes."""

    max_length: int
    parts: tuple[tuple[str, ...], ...]
    part_sizes: tuple[int, ...]
    dropped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FramePlan:
    """The node's data frame as planned, and how it fits the radio."""

    frame_type: int
    fields: tuple[PlannedField, ...]
    header_size: int
    frame_size: int
    sent_types: tuple[int, ...]
    sent_size: int
    radio_max: int | None
    fragments: tuple[tuple[str, ...], ...] = ()
    fragment_dropped: tuple[str, ...] = ()
    tiny: TinyPlan | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def room(self) -> int | None:
        """Bytes of plain frame the radio carries once the encryption layers are added."""
        if self.radio_max is None:
            return None
        return _aes_room(self.radio_max, len(self.sent_types) - 1)

    def overflow(self) -> PlannedField | None:
        """The first field that does not fit the radio's room, if any."""
        room = self.room
        if room is None:
            return None
        used = self.header_size
        for planned in self.fields:
            used += planned.size
            if used > room:
                return planned
        return None

    @property
    def field_count(self) -> int:
        """How many fields the frame carries."""
        return len(self.fields)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view of the plan."""
        result: dict[str, object] = {
            "frame_type": self.frame_type,
            "sent_types": list(self.sent_types),
            "fields": [
                {
                    "source": f.source,
                    "id": f.sensor.id,
                    "tag": f.sensor.tag,
                    "name": f.sensor.name,
                    "type": f.sensor.type.value,
                    "values": f.sensor.count,
                    "bytes": f.size,
                    "occasional": f.occasional,
                }
                for f in self.fields
            ],
            "header_bytes": self.header_size,
            "frame_bytes": self.frame_size,
            "sent_bytes": self.sent_size,
            "radio_max_bytes": self.radio_max,
            "notes": list(self.notes),
        }
        if self.fragments:
            result["fragments"] = [list(part) for part in self.fragments]
        if self.tiny is not None:
            result["tiny_frames"] = {
                "max_bytes": self.tiny.max_length,
                "parts": [list(part) for part in self.tiny.parts],
                "part_bytes": list(self.tiny.part_sizes),
                "dropped": list(self.tiny.dropped),
            }
        return result


def _placeholder(sensor: SensorSpec, text: str = "") -> Field:
    """A field with the values the plan sizes it by (strings at their longest)."""
    if sensor.type is ValueType.STRING:
        return Field(sensor, (text,))
    zero: int | float = 0.0 if sensor.type is ValueType.FLOAT else 0
    return Field(sensor, (zero,) * sensor.count)


def _resolve(frame_type: int, key: str) -> SensorSpec:
    table = sensor_table(frame_type)
    spec = table.find_tag(key) or table.find_constant(key)
    if spec is None:  # pragma: no cover - the catalog data is checked on load
        raise KeyError(key)
    return spec


def _probe_fields(config: NodeConfig, model: ModelSpec) -> list[PlannedField]:
    known = probes()
    rows: list[PlannedField] = []
    for probe_id in model.builtin:
        for sensor in probe_fields(model, known[probe_id], None):
            rows.append(_planned(f"built in: {probe_id}", sensor, "model"))
    for socket in SOCKETS:
        chosen = config.sockets.get(socket)
        if chosen is None:
            continue
        probe = known.get(chosen.probe)
        if probe is None or chosen.probe not in model.sockets.get(socket, ()):
            continue  # reported by the probe rules
        for sensor in probe_fields(model, probe, socket):
            rows.append(_planned(f"socket {socket}: {probe.id}", sensor, f"sockets.{socket}.probe"))
    return rows


def _extra_fields(config: NodeConfig, frame_type: int) -> list[PlannedField]:
    spec = industrial()
    rows: list[PlannedField] = []
    if isinstance(config.industrial, ModbusConfig):
        sensor = _resolve(frame_type, spec.modbus.field)
        for index, _ in enumerate(config.industrial.reads):
            rows.append(_planned(f"Modbus read {index + 1}", sensor, f"industrial.reads[{index}]"))
    elif isinstance(config.industrial, CanBusConfig):
        table = sensor_table(frame_type)
        for index, operation in enumerate(config.industrial.operations):
            known = spec.canbus.operations.get(operation)
            # an operation the frame type has no field for is reported by the industrial rule
            if known is not None and (
                table.find_tag(known.field) or table.find_constant(known.field)
            ):
                sensor = _resolve(frame_type, known.field)
                rows.append(
                    _planned(f"CAN bus: {operation}", sensor, f"industrial.operations[{index}]")
                )
    if config.gps is not None and config.gps.enabled:
        for name, gps_field in spec.gps.fields.items():
            if name in config.gps.fields:
                text = "0" * (gps_field.max_length or 0)
                sensor = _resolve(frame_type, gps_field.field)
                path = f"gps.fields[{config.gps.fields.index(name)}]"
                rows.append(_planned(f"GPS {name}", sensor, path, text))
    rows.append(_planned("battery level", _resolve(frame_type, _BATTERY_TAG), ""))
    return rows


def _planned(
    source: str, sensor: SensorSpec, path: str, text: str = "", *, occasional: bool = False
) -> PlannedField:
    size = len(pack_field(_placeholder(sensor, text)))
    return PlannedField(source, sensor, size, occasional=occasional, path=path)


def encrypted_size(plain: int) -> int:
    """Size of an encrypted frame (96/100/102/103) wrapping ``plain`` bytes."""
    blocks = max(1, -(-plain // _AES_BLOCK))
    return ENCRYPTED_HEADER_SIZE + blocks * _AES_BLOCK


def frame_types(config: NodeConfig, plain_type: int) -> tuple[int, ...]:
    """The frame types sent, outermost first (guide §2.12): e.g. (103, 100) or (96,) or (6,)."""
    destination = config.destination
    mode = config.encryption.mode
    over_ip = isinstance(config.radio, Cellular4G | Wifi)
    layers: list[int] = []
    if isinstance(destination, CloudBridge) and over_ip:
        layers.append(103)
    if mode == "device_to_gateway":
        layers.append(96)
    elif mode == "device_to_cloud":
        layers.append(100)
    return (*layers, plain_type) if layers else (plain_type,)


def _wifi_url_limit(config: NodeConfig, budget: int) -> int | None:
    destination = config.destination
    if isinstance(destination, Http | Https):
        protocol, host, port, path = (
            destination.type,
            destination.host,
            str(destination.port),
            destination.path,
        )
    elif isinstance(destination, Meshlium):
        protocol, host, port = "https", destination.host or "", str(destination.port or 443)
        path = _WIFI_DEFAULT_PATH
    elif isinstance(destination, CloudBridge):
        protocol, host, port, path = (
            "https",
            destination.host,
            str(destination.port),
            destination.path,
        )
    else:
        return None
    return (budget - len(protocol) - len(host) - len(port) - len(path) - len(_QUERY)) // 2


def radio_max_frame(config: NodeConfig, radio: RadioSpec) -> int | None:
    """The largest frame (bytes, before payload encryption) the radio can carry, if bounded."""
    if isinstance(config.radio, LoRaWAN):
        region = lorawan().regions[config.radio.region]
        rate = config.radio.data_rate
        if rate is None or rate not in region.max_payload:
            rate = region.default_data_rate
        return region.max_payload[rate]
    if radio.max_frame is None:
        return None
    linked = isinstance(config.radio, XBee802 | XBee900HP | XBee868LP | XBeeZigBee3) and (
        config.radio.link_key is not None
    )
    limit = radio.max_frame.link_encryption if linked else radio.max_frame.plain
    if isinstance(config.destination, Sms):
        limit = min(limit, SMS_MAX_FRAME)
    if isinstance(config.destination, Http) and radio.resource_budget is not None:
        resource = radio.resource_budget - len(config.destination.path) - len(_QUERY)
        limit = min(limit, resource // 2)
    if isinstance(config.radio, Wifi) and radio.url_budget is not None:
        url_limit = _wifi_url_limit(config, radio.url_budget)
        if url_limit is not None:
            limit = min(limit, url_limit)
    return limit


def _aes_room(limit: int, layers: int) -> int:
    """Plaintext room under ``layers`` of AES framing, as ``getMaxSizeFor*`` computes it."""
    room = limit
    for _ in range(layers):
        room = ((room - ENCRYPTED_HEADER_SIZE) // _AES_BLOCK) * _AES_BLOCK
    return room


def plan_frame(config: NodeConfig) -> FramePlan | None:
    """Plan the frame of a configuration; ``None`` when its model or radio is unknown."""
    model = node_models().get(config.model)
    radio = radios().get(config.radio.type)
    if model is None or radio is None:
        return None
    frame_type = model.frame_type
    planned = _probe_fields(config, model) + _extra_fields(config, frame_type)
    if config.battery_warning is not None and config.battery_warning.enabled:
        sensor = _resolve(frame_type, _WARNING_TAG)
        planned.append(
            _planned(
                "low-battery warning", sensor, "battery_warning", _WARNING_TEXT, occasional=True
            )
        )
    name = _sent_name(config.node_name)
    header = len(encode_header(frame_type, _PLACEHOLDER_SERIAL, name, 0))
    frame_size = header + sum(f.size for f in planned)
    sent_types = frame_types(config, frame_type)
    sent_size = frame_size
    for _ in sent_types[:-1]:
        sent_size = encrypted_size(sent_size)
    limit = radio_max_frame(config, radio)
    plan = FramePlan(
        frame_type=frame_type,
        fields=tuple(planned),
        header_size=header,
        frame_size=frame_size,
        sent_types=sent_types,
        sent_size=sent_size,
        radio_max=limit,
    )
    if radio.tiny_frames and limit is not None:
        return _with_tiny(plan, limit)
    fragmenting = radio.fragments and getattr(config.radio, "fragments", False)
    room = plan.room
    if limit is not None and room is not None and fragmenting and frame_size > room:
        return _with_fragments(plan)
    return plan


def _sent_name(name: str) -> str:
    """The node name as the node sends it: '#' and spaces become '_'; unusable names none."""
    if not (name.isascii() and name.isprintable()) or len(name) > 16:
        return ""
    return name.replace("#", "_").replace(" ", "_")


def tiny_length(payload: int) -> int:
    """Tiny-frame size for a radio payload: the node's buffer holds 10..100 bytes."""
    return max(TINY_MIN, min(payload, TINY_MAX))


def _with_tiny(plan: FramePlan, payload: int) -> FramePlan:
    limit = tiny_length(payload)
    sizes = [f.size for f in plan.fields]
    bins, dropped = first_fit(sizes, limit - 2)
    parts = tuple(tuple(plan.fields[i].sensor.tag for i in chosen) for chosen in bins)
    part_sizes = tuple(2 + sum(sizes[i] for i in chosen) for chosen in bins)
    tiny = TinyPlan(limit, parts, part_sizes, tuple(plan.fields[i].sensor.tag for i in dropped))
    notes = plan.notes
    if payload > limit:
        notes += (f"the radio carries {payload} bytes, but a tiny frame is at most {limit} bytes",)
    return replace(plan, tiny=tiny, notes=notes)


def fragment_size(plan: FramePlan) -> int:
    """The plain size of each fragment the node cuts: the radio's room under the AES layers,
    at most the node's fragment buffer."""
    limit = FRAGMENT_BUFFER_SIZE if plan.radio_max is None else plan.radio_max
    return _aes_room(min(limit, FRAGMENT_BUFFER_SIZE), len(plan.sent_types) - 1)


def _with_fragments(plan: FramePlan) -> FramePlan:
    room = fragment_size(plan)
    sizes = [f.size for f in plan.fields]
    bins, dropped = first_fit(sizes, max(room - plan.header_size, 0))
    parts = tuple(tuple(plan.fields[i].sensor.tag for i in chosen) for chosen in bins)
    dropped_tags = tuple(plan.fields[i].sensor.tag for i in dropped)
    return replace(plan, fragments=parts, fragment_dropped=dropped_tags)
