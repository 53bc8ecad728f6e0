"""Processing one archived frame: decrypt, decode, deduplicate, and say what to store.

The processor never raises for a frame's content: whatever the bytes are, the result is a
:class:`Processed` whose status says what became of them (``ok``, ``partial`` with the
readings of the fields its sensor table defines and, as the error, where the rest begins,
``error`` with the reason, ``duplicate``, ``encrypted`` for device-to-cloud frames kept as
received, ``ignored`` for valid packets that carry nothing for the gateway).

- Waspmote frames: an encrypted frame is opened with the key the gateway holds for its serial
  (type 96: the payload key; type 103: the Cloud Bridge key); a type-100 or 102 frame is
  end-to-end and stays as received. Tiny frames are read with the sensor table of the device
  the network named, and join that device's reading set.
- NCD mesh packets go through the mesh receive pipeline (duplicate ring, tag check, network
  and destination); API frames from a local module are read directly. The payload inside is
  either a Waspmote frame or an NCD sensor message.
"""

from __future__ import annotations

import logging

from openpcs.frames import (
    BUILT_IN_TABLES,
    Frame,
    FrameError,
    FrameKind,
    SensorTables,
    decode_any,
    decode_tiny,
)
from openpcs.frames.crypto import parse_encrypted_header
from openpcs.frames.layout import DELIMITER, ENCRYPTED_TYPES
from openpcs.frames.tiny import looks_like_tiny
from openpcs.frames.v12 import V12_ENCRYPTED, parse_v12_encrypted_header
from openpcs.gateway.dedup import DedupWindow, frame_key
from openpcs.gateway.directory import Directory
from openpcs.gateway.readings import battery_of_frame, frame_readings, ncd_readings
from openpcs.gateway.records import Arrival, Format, Processed, TinyPart
from openpcs.gateway.store.schema import FrameStatus
from openpcs.ncd.api import ReceivePacket, TransmitRequest, parse_api_frame
from openpcs.ncd.mesh import MeshReceiver, Outcome
from openpcs.ncd.payloads import PowerUp, SensorData, decode_payload

__all__ = ["END_TO_END_TYPES", "Processor"]

_log = logging.getLogger(__name__)

#: Encrypted frame types meant for a cloud, which a gateway stores as received (101: v12).
END_TO_END_TYPES = frozenset({100, 101, 102})
_ENCRYPTED = ENCRYPTED_TYPES | V12_ENCRYPTED.keys()
_MESH_IGNORED = {
    Outcome.FOREIGN_NETWORK: "a packet of another mesh network",
    Outcome.NOT_FOR_US: "a mesh packet addressed to another module",
}


def _hex(raw: bytes) -> str:
    return raw.hex().upper()


def _is_encrypted(data: bytes) -> bool:
    return data[:3] == DELIMITER and len(data) > 3 and data[3] in _ENCRYPTED


def _encrypted_header(data: bytes) -> tuple[int, str]:
    """The type and serial an encrypted frame (v15 or v12) says in clear."""
    if data[3] in V12_ENCRYPTED:
        header, _ = parse_v12_encrypted_header(data)
        return header.frame_type, header.serial
    frame_type, serial, _ = parse_encrypted_header(data)
    return frame_type, _hex(serial)


class Processor:
    """Turns archived frames into results; owns the dedup window and the mesh receiver.

    ``directory`` is read at each call, so replacing it (after a settings change) takes
    effect at once. ``tables`` are the sensor tables frames are read with.
    """

    def __init__(
        self,
        directory: Directory,
        dedup: DedupWindow,
        mesh: MeshReceiver | None = None,
        *,
        api_escaped: bool = False,
        tables: SensorTables = BUILT_IN_TABLES,
    ) -> None:
        self.directory = directory
        self.tables = tables
        self.dedup = dedup
        self.mesh = mesh
        self.api_escaped = api_escaped
        self._new_key: bytes | None = None

    def process(
        self, frame_id: int, arrival: Arrival, *, again: bool = False, open_cloud: bool = False
    ) -> Processed:
        """What to store for one archived arrival; never raises for bad content.

        ``again`` marks a frame processed a second time: a mesh packet then goes through a
        receiver of its own, whose duplicate ring has not seen it yet. ``open_cloud`` opens a
        device-to-cloud frame with the device's payload key instead of keeping it encrypted.
        """
        if arrival.problem is not None:
            return Processed(frame_id, FrameStatus.ERROR, arrival.problem)
        self._new_key = None
        try:
            if arrival.format is Format.NCD_MESH:
                return self._mesh_packet(frame_id, arrival, again)
            if arrival.format is Format.NCD_API:
                return self._api_frame(frame_id, arrival, arrival.data)
            return self._waspmote(frame_id, arrival, arrival.data, open_cloud)
        except ValueError as exc:  # every codec error of frames and ncd is a ValueError
            self._unremember()
            return Processed(frame_id, FrameStatus.ERROR, str(exc))
        except Exception as exc:  # a defect must cost one frame, never the batch
            self._unremember()
            _log.exception("processing frame %d failed", frame_id)
            return Processed(
                frame_id,
                FrameStatus.ERROR,
                f"internal error ({type(exc).__name__}): reprocess the frame once fixed",
            )

    # --- deduplication -------------------------------------------------------------------

    def _unremember(self) -> None:
        """A frame that ends in an error may come again, fixed: it is no duplicate then."""
        if self._new_key is not None:
            self.dedup.forget(self._new_key)
            self._new_key = None

    def _duplicate(self, frame_id: int, key: bytes, serial: str | None) -> Processed | None:
        if self.dedup.seen(key):
            return Processed(
                frame_id,
                FrameStatus.DUPLICATE,
                "the same frame arrived within the deduplication window",
                serial=serial,
                dedup_key=key,
            )
        self._new_key = key
        return None

    # --- Waspmote frames -----------------------------------------------------------------

    def _waspmote(
        self, frame_id: int, arrival: Arrival, data: bytes, open_cloud: bool = False
    ) -> Processed:
        if _is_encrypted(data):
            return self._encrypted(frame_id, data, open_cloud)
        if data[:3] != DELIMITER and looks_like_tiny(data):
            return self._tiny(frame_id, arrival, data)
        frame = decode_any(data, tables=self.tables, partial=True)
        key = frame_key(data)
        return self._duplicate(frame_id, key, frame.serial) or self._stored(frame_id, frame, key)

    def _encrypted(self, frame_id: int, data: bytes, open_cloud: bool) -> Processed:
        frame_type, serial = _encrypted_header(data)
        key = frame_key(data)
        duplicate = self._duplicate(frame_id, key, serial)
        if duplicate is not None:
            return duplicate
        if frame_type in END_TO_END_TYPES and not open_cloud:
            return self._kept_encrypted(frame_id, serial, frame_type, key)
        wanted = [frame_type, 100] if open_cloud else [frame_type]  # 100: the payload key
        keys = [k for k in dict.fromkeys(self.directory.key_for(serial, t) for t in wanted) if k]
        if not keys:
            self._unremember()  # once the key is added, the frame may be sent again
            return Processed(
                frame_id,
                FrameStatus.ERROR,
                f"no key for serial {serial}: add the node's key to open type-{frame_type} frames",
                serial=serial,
                frame_type=frame_type,
            )
        try:
            frame = decode_any(data, keys, tables=self.tables, partial=True)
        except ValueError as exc:  # a wrong key: the frame is still the serial's, to be seen
            self._unremember()
            return Processed(
                frame_id, FrameStatus.ERROR, str(exc), serial=serial, frame_type=frame_type
            )
        if frame.kind is FrameKind.ENCRYPTED:  # a device-to-cloud frame inside a 103 frame
            return self._kept_encrypted(frame_id, serial, frame.frame_type, key)
        return self._stored(frame_id, frame, key)

    @staticmethod
    def _kept_encrypted(
        frame_id: int, serial: str, frame_type: int | None, key: bytes
    ) -> Processed:
        return Processed(
            frame_id,
            FrameStatus.ENCRYPTED,
            f"a device-to-cloud frame (type {frame_type}), stored as received",
            serial=serial,
            frame_type=frame_type,
            dedup_key=key,
        )

    def _tiny(self, frame_id: int, arrival: Arrival, data: bytes) -> Processed:
        if arrival.device is None:
            raise FrameError("a tiny frame names no device: send it through a network webhook", 0)
        serial = self.directory.resolve(arrival.device)
        settings = self.directory.settings(serial)
        table = settings.tiny_table if settings and settings.tiny_table else 6
        frame = decode_tiny(data, table, tables=self.tables, partial=True)
        key = frame_key(data, serial)
        duplicate = self._duplicate(frame_id, key, serial)
        if duplicate is not None:
            return duplicate
        result = self._stored(frame_id, frame._replace(serial=serial), key)
        result.tiny = TinyPart(
            serial, frame.sequence or 0, arrival.counter, tuple(f.tag for f in frame.fields)
        )
        return result

    @staticmethod
    def _stored(frame_id: int, frame: Frame, key: bytes) -> Processed:
        if frame.partial:
            status = FrameStatus.PARTIAL
            error: str | None = "; ".join(f"{u.reason} (byte {u.offset})" for u in frame.unread)
        else:
            status, error = FrameStatus.OK, None
        return Processed(
            frame_id,
            status,
            error,
            serial=frame.serial,
            node_name=frame.node_name or None,
            frame_type=frame.frame_type,
            sequence=frame.sequence,
            dedup_key=key,
            readings=frame_readings(frame, frame_id),
            battery=battery_of_frame(frame),
        )

    # --- NCD -----------------------------------------------------------------------------

    def _mesh_packet(self, frame_id: int, arrival: Arrival, again: bool) -> Processed:
        if self.mesh is None:
            return Processed(frame_id, FrameStatus.ERROR, "this gateway has no mesh link settings")
        receiver = MeshReceiver(self.mesh.settings) if again else self.mesh
        result = receiver.receive(arrival.data)
        source = _hex(result.source) if result.source else None
        if result.outcome is Outcome.DELIVERED and result.api_frame is not None:
            # the mesh hash identifies the packet, also after a restart (the ring is empty then)
            tag = result.tag or b""
            repeated = self._duplicate(frame_id, tag, source)
            if repeated is not None:
                return repeated
            processed = self._api_frame(frame_id, arrival, result.api_frame, escaped=False)
            if processed.status in (FrameStatus.OK, FrameStatus.PARTIAL):
                processed.dedup_key = tag
            return processed
        if result.outcome is Outcome.DUPLICATE:
            return Processed(
                frame_id, FrameStatus.DUPLICATE, "a mesh packet among the last ones received"
            )
        if result.outcome in _MESH_IGNORED:
            return Processed(frame_id, FrameStatus.IGNORED, _MESH_IGNORED[result.outcome], source)
        reason = result.reason or result.outcome.value.replace("_", " ")
        return Processed(frame_id, FrameStatus.ERROR, f"mesh packet {reason}", source)

    def _api_frame(
        self, frame_id: int, arrival: Arrival, raw: bytes, *, escaped: bool | None = None
    ) -> Processed:
        frame = parse_api_frame(raw, escaped=self.api_escaped if escaped is None else escaped)
        if isinstance(frame, TransmitRequest):
            source, payload = frame.address, frame.payload
        elif isinstance(frame, ReceivePacket):
            source, payload = frame.source, frame.data_bytes
        else:
            return Processed(
                frame_id,
                FrameStatus.IGNORED,
                f"an API frame of type 0x{frame.data()[0]:02X} carries no sensor data",
            )
        if payload[:3] == DELIMITER:
            return self._waspmote(frame_id, arrival, payload)
        serial = _hex(source)
        key = frame_key(payload, serial)
        return self._duplicate(frame_id, key, serial) or self._ncd_message(
            frame_id, serial, payload, key
        )

    def _ncd_message(self, frame_id: int, source: str, payload: bytes, key: bytes) -> Processed:
        message = decode_payload(payload)
        if isinstance(message, SensorData):
            if message.type_name is None:
                raise ValueError(f"NCD sensor type {message.sensor_type} is not in the catalog")
            return Processed(
                frame_id,
                FrameStatus.OK,
                serial=source,
                frame_type=message.sensor_type,
                sequence=message.counter,
                dedup_key=key,
                readings=ncd_readings(message, frame_id),
                battery=(round(message.battery_volts, 3), "V"),
            )
        if isinstance(message, PowerUp):
            return Processed(frame_id, FrameStatus.OK, serial=source, dedup_key=key)
        return Processed(
            frame_id,
            FrameStatus.IGNORED,
            f"an NCD {type(message).__name__} message carries no readings",
            serial=source,
            dedup_key=key,
        )
