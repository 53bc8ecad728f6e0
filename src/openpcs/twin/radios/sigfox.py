"""A Sigfox module (TD1207) in socket 0, as the Waspmote API drives it: AT commands ending in
CR, answered ``OK`` or ``ERROR`` (a value line before the ``OK``), a message ``AT$SF=<hex>``
answered ``OK`` once it is on the air.

Facts from the API's sources (WaspSigfox.cpp): ``ON()`` powers the socket, waits 5 s and
sends ``AT`` (OK within 5 s), then ``ATS304?`` (the region: the first CR LF, then the value
and OK within 1 s); ``send()`` sends at most 12 bytes as ``AT$SF=<24 hex digits>`` and waits
15 s for OK. The module numbers its messages (a 12-bit sequence number the Sigfox backend
reports); each message reaches the gateway as the backend's callback.
"""

from __future__ import annotations

import re
from typing import Final

from openpcs.twin.radios.module import Delivery, Reply, cycles_after, take_commands
from openpcs.twin.waspmote import twin_data

__all__ = ["SigfoxModule"]

#: the sequence number wraps at 12 bits
_SEQUENCE_WRAP: Final = 1 << 12
_MESSAGE: Final = re.compile(r"AT\$SF=([0-9A-Fa-f]*)(?:,([01]))?")
#: settings the API writes and the module keeps (power, FCC channel mask, save)
_SETTINGS: Final = re.compile(r"ATS30[0-9]=\d+|AT&W|ATE[01]|AT\$CB=.*")


class SigfoxModule:
    """The module whose Sigfox ID is ``device_id`` (8 hex digits)."""

    def __init__(self, device_id: str) -> None:
        facts = twin_data("sigfox_module.yaml")
        self.name = "Sigfox TD1207"
        self.device_id = device_id.upper()
        self.aliases = [f"sigfox:{self.device_id}"]
        self.socket = 0
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        self._region = int(facts["region"])
        self._largest = int(facts["largest_payload"])
        self._timing: dict[str, float] = facts["timing_ms"]
        self._sequence = 0
        self._powered = False
        self._line = bytearray()

    def power(self, on: bool, cycle: int) -> None:
        """Off: a half-received command is lost (the sequence number is kept)."""
        self._powered = on
        self._line.clear()

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Each whole command (up to its CR) is answered, in order."""
        if not self._powered:
            return []
        return [self._answer(c, cycle) for c in take_commands(self._line, data)]

    def _say(self, cycle: int, text: str, after_ms: float | None = None) -> Reply:
        wait = self._timing["answer"] if after_ms is None else after_ms
        return Reply(cycles_after(cycle, wait), f"\r\n{text}\r\n".encode("ascii"))

    def _answer(self, command: str, cycle: int) -> Reply:
        if command == "AT" or _SETTINGS.fullmatch(command):
            return self._say(cycle, "OK")
        if command == "ATS304?":
            return self._say(cycle, f"{self._region}\r\n\r\nOK")
        if command == "ATI7":
            return self._say(cycle, f"{self.device_id}\r\n\r\nOK")
        message = _MESSAGE.fullmatch(command)
        if message is None:
            self.problems.append(f"the {self.name} has no command {command[:40]!r}")
            return self._say(cycle, "ERROR")
        digits = message.group(1)
        if len(digits) % 2 or len(digits) > 2 * self._largest:
            self.problems.append(
                f"a message of {len(digits)} hex digits (at most {2 * self._largest}, even)"
            )
            return self._say(cycle, "ERROR")
        meta = {"device": self.device_id, "seq_number": str(self._sequence)}
        payload = bytes.fromhex(digits)
        self.deliveries.append(
            Delivery(self.name, "Sigfox backend", payload, cycle, meta, via="sigfox")
        )
        self._sequence = (self._sequence + 1) % _SEQUENCE_WRAP
        return self._say(cycle, "OK", self._timing["message"])
