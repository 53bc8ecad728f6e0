"""An XBee module in API mode 2 (escaped), as the Waspmote API drives it: AT commands
answered (0x88), transmit requests put on the air and their status given (0x89 for the
802.15.4 module's 64-bit request 0x00, 0x8B for the 0x10 request of ZigBee, 868LP and 900HP).

Facts from the API's sources (WaspXBeeCore.cpp and the four module libraries): AT frames
always carry frame ID 0x52 and are matched by their two letters, so an answer must start
within 50 ms (150 ms for WR) and end with 50 ms of silence; the transmit status must come
within 5 s; both sides escape (0x7E, 0x7D, 0x11, 0x13 after the start delimiter). A frame
with a wrong checksum is dropped, as the module drops it, and reported.
"""

from __future__ import annotations

from typing import Final

from openpcs.ncd.api import wrap
from openpcs.ncd.stream import ApiStreamReader
from openpcs.twin.radios.module import Delivery, Reply, cycles_after

__all__ = ["KINDS", "XBeeModule"]

#: the module kinds, by the configuration's radio type: (name, transmit status type,
#: largest payload of one transmit request)
KINDS: Final = {
    "xbee_802_15_4": ("XBee 802.15.4", 0x89, 100),
    "xbee_zigbee3": ("XBee ZigBee 3", 0x8B, 84),
    "xbee_868lp": ("XBee 868LP", 0x8B, 255),
    "xbee_900hp": ("XBee 900HP", 0x8B, 255),
}
_AT: Final = 0x08
_AT_RESPONSE: Final = 0x88
_TX64: Final = 0x00
_TX: Final = 0x10
#: what each module answers to the AT commands the API sends (its settings, kept as set)
_SETTINGS: Final = {
    "xbee_802_15_4": frozenset({"CH", "ID", "EE", "KY", "SC", "MY", "WR", "AP", "VR"}),
    "xbee_zigbee3": frozenset({"SC", "ID", "EE", "KY", "AI", "WR", "AP", "VR"}),
    "xbee_868lp": frozenset({"CM", "HP", "ID", "EE", "KY", "WR", "AP", "VR"}),
    "xbee_900hp": frozenset({"CM", "HP", "ID", "EE", "KY", "WR", "AP", "VR"}),
}
_STATUS_OK: Final = 0
_STATUS_INVALID_COMMAND: Final = 2
_TOO_LARGE: Final = 0x74
_ANSWER_MS: Final = 2.0
_TX_MS: Final = 15.0


class XBeeModule:
    """One XBee of ``kind`` (a key of :data:`KINDS`) whose own address is ``mac``."""

    def __init__(self, kind: str, mac: bytes) -> None:
        self.kind = kind
        self.name, self._status_type, self._largest = KINDS[kind]
        self.mac = mac
        self.settings: dict[str, bytes] = {"MY": b"\x00\x00", "AI": b"\x00"}
        #: settings the program wrote to the module's memory (WR), as they were then
        self.written: dict[str, bytes] = {}
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        self.aliases: list[str] = []
        self.socket = 0
        self._powered = False
        self._reader = ApiStreamReader(escaped=True)

    def power(self, on: bool, cycle: int) -> None:
        """Off: what was half received is lost; the settings in memory stay."""
        self._powered = on
        self._reader = ApiStreamReader(escaped=True)
        if not on:
            self.settings = {**self.settings, **self.written}

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Each whole API frame in what came is acted on, in order."""
        if not self._powered:
            return []
        replies = []
        for item in self._reader.feed(data):
            if item.value is None:
                self.problems.append(f"bytes that are no API frame: {item.error}")
                continue
            answer = self._act(item.value.data(), cycle)
            if answer is not None:
                replies.append(answer)
        return replies

    def _act(self, frame: bytes, cycle: int) -> Reply | None:
        if not frame:
            return None
        if frame[0] == _AT and len(frame) >= 4:
            return self._at(frame, cycle)
        if frame[0] in (_TX64, _TX):
            return self._transmit(frame, cycle)
        self.problems.append(f"an API frame of type 0x{frame[0]:02X} the API never sends")
        return None

    def _at(self, frame: bytes, cycle: int) -> Reply:
        frame_id, command, value = frame[1], frame[2:4].decode("latin-1"), frame[4:]
        status, data = _STATUS_OK, b""
        if command not in _SETTINGS[self.kind]:
            status = _STATUS_INVALID_COMMAND
            self.problems.append(f"the {self.name} has no AT command {command!r}")
        elif command == "WR":
            self.written = dict(self.settings)
        elif value:
            self.settings[command] = value
        else:
            data = self.settings.get(command, b"")
        answer = bytes((_AT_RESPONSE, frame_id)) + frame[2:4] + bytes((status,)) + data
        return Reply(cycles_after(cycle, _ANSWER_MS), wrap(answer, escaped=True))

    def _transmit(self, frame: bytes, cycle: int) -> Reply | None:
        if frame[0] == _TX64 and self._status_type != 0x89:
            self.problems.append(f"the {self.name} was sent an 802.15.4 transmit request")
            return None
        if frame[0] == _TX and self._status_type != 0x8B:
            self.problems.append(f"the {self.name} was sent a ZigBee/DigiMesh transmit request")
            return None
        header = 11 if frame[0] == _TX64 else 14
        frame_id, destination, payload = frame[1], frame[2:10], frame[header:]
        status = _STATUS_OK
        if len(payload) > self._largest:
            status = _TOO_LARGE
            self.problems.append(
                f"a payload of {len(payload)} bytes, more than the {self.name}'s {self._largest}"
            )
        else:
            self.deliveries.append(
                Delivery(self.name, destination.hex().upper(), payload, cycle, self._meta())
            )
        if self._status_type == 0x89:
            answer = bytes((0x89, frame_id, status))
        else:  # address FFFE, no retries, delivery status, no discovery
            answer = bytes((0x8B, frame_id, 0xFF, 0xFE, 0, status, 0))
        return Reply(cycles_after(cycle, _TX_MS), wrap(answer, escaped=True))

    def _meta(self) -> dict[str, str]:
        meta = {"source": self.mac.hex().upper()}
        for name in ("CH", "ID", "CM", "HP", "SC"):
            if name in self.settings:
                meta[name] = self.settings[name].hex().upper()
        meta["encryption"] = "on" if self.settings.get("EE", b"\x00") != b"\x00" else "off"
        return meta
