"""The LoRaWAN module of the JP/KR region (Murata's ABZ) in socket 0, as the Waspmote API drives
it (WaspLoRaWAN.cpp, ``ABZ_MODULE``): AT commands at 19,200 baud, each ended by CR and answered
``+OK``, ``+OK=<value>`` or ``+ERR=<code>``, with events (``+EVENT=0,0`` when it has started,
``+EVENT=1,1`` / ``+EVENT=1,0`` when an OTAA join is accepted / fails).

Facts from the API's sources: ``ON()`` first asks ``sys get ver`` at 57,600 baud, which this
module does not hear (the twin does not model baud rates: a line that is not an AT command is
taken as such noise and ignored), then powers it again and asks ``at+dev?`` for "ABZ-093";
``at+facnew`` and ``at+band=`` are done once the module says ``+EVENT=0,0``;
``setDeviceEUI()`` only reads the module's own EUI (``at+deveui?``), so the network must know
the node by it (``setEUI()`` overwrites it with ``at+deveui=``, which the model takes and
reports); ``joinOTAA()`` sends ``at+mode=1`` then ``at+join`` and waits 15 s for the join's
event; ``joinABP()`` only sends ``at+mode=0``; ``sendUnconfirmed()`` sends ``at+putx
<port>,<n>`` CR and then the payload's hex digits, waits 20 s for ``+OK`` and 4 s more for a
downlink (``+RECV=``); ``sendConfirmed()`` (``at+pctx``) waits for ``+ACK``; ``saveConfig()``
sends nothing. The model reads ``n`` as the count of hex digits, as the API's binary send
overloads (the ones openpcs programs use) announce it; its ``char*`` overloads announce bytes,
and the digits beyond are dropped and reported. The module keeps its settings (band, keys,
mode, data rate, ADR) without power, as a modem keeps them in its own memory, until
``at+facnew``; a join lasts until the module is switched off or starts again.
"""

from __future__ import annotations

import re
from typing import Final

from openpcs.twin.radios.lorawan import AirSession, LoRaWANRadio
from openpcs.twin.radios.lorawan_network import LoRaNetwork, Session
from openpcs.twin.radios.module import Reply, cycles_after
from openpcs.twin.waspmote import twin_data

__all__ = ["AbzModule"]

#: the settings "at+<name>=<hex>" takes, with their length in hex digits
_KEYS: Final = {"appeui": 16, "appkey": 32, "devaddr": 8, "nwkskey": 32, "appskey": 32}
#: settings the module never tells
_SECRET: Final = frozenset({"appkey", "nwkskey", "appskey"})
_SEND: Final = re.compile(r"at\+(putx|pctx) ([0-9]{1,3}),([0-9]{1,3})", re.IGNORECASE)
_MAX_PORT: Final = 223
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
_HEX_TEXT: Final = re.compile(r"[0-9A-Fa-f]*")
#: the longest a command may grow without its CR ("at+putx" and 999 digits, with room)
_LONGEST_LINE: Final = 1200
_LARGEST_COUNTER: Final = 2**32 - 1


def _counter(text: str) -> bool:
    """Whether ``text`` is a frame counter the module takes (decimal, 32 bits)."""
    return text.isdigit() and len(text) <= 10 and int(text) <= _LARGEST_COUNTER


class AbzModule(LoRaWANRadio):
    """The ABZ module of a node in ``region`` on the configuration's ``band`` (``as923``,
    ``kr920``: the band the ``network`` listens on), whose own EUI is ``hweui``."""

    def __init__(self, region: str, network: LoRaNetwork, hweui: str, band: str) -> None:
        super().__init__(region, network, "LoRaWAN ABZ")
        modules = twin_data("lorawan_modules.yaml")
        facts = modules["ABZ"]
        self._facts = facts
        self._timing: dict[str, float] = modules["timing_ms"]
        self._errors: dict[str, int] = facts["errors"]
        self._listening = int(facts["bands"][band])
        self._hweui = hweui.upper()
        self._settings = self._factory()
        self._session: Session | None = None
        self._counters = [0, 0]
        self._powered = False
        self._pending = bytearray()
        #: after "at+putx"/"at+pctx": (confirmed, port, hex digits still to come)
        self._awaiting: tuple[bool, int, int] | None = None
        #: after a payload: hex digits beyond it are dropped (and counted) until a command
        self._skipping = False
        self._extra = 0

    def _factory(self) -> dict[str, str]:
        settings = {name: "0" * length for name, length in _KEYS.items()}
        band = str(self._facts["factory_band"])
        rate = str(self._region.default_data_rate)
        return settings | {"band": band, "mode": "0", "adr": "1", "dr": rate, "dwell": "1,1"}

    def _band_name(self, band: int) -> str:
        return str(self._facts["band_names"].get(band, f"band {band}"))

    def power(self, on: bool, cycle: int) -> None:
        """Off: the join is lost, the settings kept. (What it says when power comes is not
        sent: the API empties what it has received before its first command.)"""
        self._powered = on
        self._pending.clear()
        self._awaiting = None
        self._skipping = False
        self._extra = 0
        self._session = None

    def _started(self, cycle: int) -> list[Reply]:
        """What the module says when it has started again, ``boot_ms`` on."""
        return [self._say(cycle, "+EVENT=0,0", float(self._facts["boot_ms"]))]

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Each whole command (and the payload digits after a send command) answered, in
        order."""
        if not self._powered:
            return []
        self._pending += data
        replies: list[Reply] = []
        while True:
            if self._awaiting is not None:
                confirmed, port, digits = self._awaiting
                if len(self._pending) < digits:
                    break
                text = bytes(self._pending[:digits]).decode("ascii", "replace")
                del self._pending[:digits]
                self._awaiting = None
                self._skipping = True
                replies += self._send(confirmed, port, text, cycle)
                continue
            if self._skipping and not self._skip_extra_digits():
                break
            end = self._pending.find(b"\r")
            if end < 0:
                break
            line = bytes(self._pending[:end]).strip(b"\n").decode("ascii", "replace")
            del self._pending[: end + 1]
            if line[:2].lower() == "at":
                replies += self._command(line, cycle)
        if len(self._pending) > _LONGEST_LINE:
            self.problems.append(f"{len(self._pending)} bytes with no CR: dropped")
            self._pending.clear()
        return replies

    def _skip_extra_digits(self) -> bool:
        """After a send command's payload (or its refusal), hex digits before the next command
        are more than it announced: dropped, and said once the next command comes. Whether
        the next command has come (``False``: the digits may go on)."""
        text = self._pending
        n = 0
        while n < len(text) and chr(text[n]) in _HEX_DIGITS:
            if text[n : n + 2].lower() == b"at":
                break
            if n + 1 == len(text) and chr(text[n]) in "aA":
                break  # an "a" that may begin the next "at"
            n += 1
        del text[:n]
        self._extra += n
        if not text or (len(text) == 1 and chr(text[0]) in "aA"):
            return False
        if self._extra:
            self.problems.append(
                f"{self._extra} hex digits more than the send command announced, dropped (it "
                "counts hex digits; the API's char* send overloads announce bytes)"
            )
        self._skipping = False
        self._extra = 0
        return True

    def _say(self, cycle: int, text: str, after_ms: float | None = None) -> Reply:
        wait = self._timing["answer"] if after_ms is None else after_ms
        return Reply(cycles_after(cycle, wait), f"{text}\r\n".encode("ascii"))

    def _error(self, cycle: int, kind: str, problem: str | None = None) -> list[Reply]:
        if problem is not None:
            self.problems.append(problem)
        return [self._say(cycle, f"+ERR={self._errors[kind]}")]

    def _command(self, line: str, cycle: int) -> list[Reply]:
        text = line.lower()
        if text == "at":
            return [self._say(cycle, "+OK")]
        if (send := _SEND.fullmatch(line)) is not None:
            return self._send_command(send, cycle)
        name, _, value = text[3:].partition("=")
        if text.startswith("at+") and text.endswith("?") and "=" not in text:
            return self._query(text[3:-1], cycle)
        if text.startswith("at+") and value:
            return self._set(name, value, cycle)
        if text in ("at+reboot", "at+facnew", "at+join"):
            return self._act(text[3:], cycle)
        return self._error(cycle, "unknown_command", f"the {self.name} has no command {line!r}")

    def _query(self, name: str, cycle: int) -> list[Reply]:
        answers = {
            "dev": str(self._facts["version"]),
            "deveui": self._hweui,
            "frmcnt": f"{self._counters[0]},{self._counters[1]}",
            "msize": str(self.max_payload(int(self._settings["dr"]))),
        }
        if name in answers:
            return [self._say(cycle, f"+OK={answers[name]}")]
        if name in self._settings and name not in _SECRET:
            return [self._say(cycle, f"+OK={self._settings[name].upper()}")]
        return self._error(cycle, "unknown_command", f"the {self.name} has no query at+{name}?")

    def _set(self, name: str, value: str, cycle: int) -> list[Reply]:
        if name in _KEYS:
            if re.fullmatch(f"[0-9a-f]{{{_KEYS[name]}}}", value) is None:
                return self._error(cycle, "invalid_parameter")
            self._settings[name] = value.upper()
            return [self._say(cycle, "+OK")]
        if name == "frmcnt":
            counters = value.split(",")
            if len(counters) != 2 or not all(_counter(c) for c in counters):
                return self._error(cycle, "invalid_parameter")
            self._counters = [int(c) for c in counters]
            return [self._say(cycle, "+OK")]
        if name == "deveui":
            if re.fullmatch("[0-9a-f]{16}", value) is None:
                return self._error(cycle, "invalid_parameter")
            self._hweui = value.upper()
            self.problems.append(
                f"the program wrote the module's own DevEUI ({self._hweui}, setEUI()): the "
                "network knows the node by the one it had"
            )
            return [self._say(cycle, "+OK")]
        choices = {
            "mode": ("0", "1"),
            "adr": ("0", "1"),
            "dr": tuple(str(rate) for rate in self._region.max_payload),
            "band": tuple(str(band) for band in self._facts["band_names"]),
            "dwell": ("0,0", "0,1", "1,0", "1,1"),
        }
        if name not in choices:
            return self._error(
                cycle, "unknown_command", f"the {self.name} has no command at+{name}="
            )
        if value not in choices[name]:
            return self._error(cycle, "invalid_parameter")
        self._settings[name] = value
        if name == "mode":
            self._session = None
        if name == "band":
            # the module starts again on its new band
            self._session = None
            return [self._say(cycle, "+OK"), *self._started(cycle)]
        return [self._say(cycle, "+OK")]

    def _act(self, name: str, cycle: int) -> list[Reply]:
        if name == "join":
            return self._join(cycle)
        self._session = None
        if name == "reboot":
            return [self._say(cycle, "+OK"), *self._started(cycle)]
        self._settings = self._factory()
        self._counters = [0, 0]
        return [self._say(cycle, "+OK"), self._say(cycle, "+EVENT=0,1"), *self._started(cycle)]

    def _join(self, cycle: int) -> list[Reply]:
        s = self._settings
        if s["mode"] != "1":
            # an ABP device is "joined" by its settings alone
            return [self._say(cycle, "+OK")]
        answer = self.network.join(self._hweui, s["appeui"], s["appkey"], len(self.uplinks))
        later = self._timing["join_accept"]
        if not isinstance(answer, Session):
            self.problems.append(f"the network: {answer}")
            self._session = None
            return [self._say(cycle, "+OK"), self._say(cycle, "+EVENT=1,0", later)]
        self._session = answer
        self._counters = [0, 0]
        return [self._say(cycle, "+OK"), self._say(cycle, "+EVENT=1,1", later)]

    def _send_command(self, send: re.Match[str], cycle: int) -> list[Reply]:
        port, digits = int(send.group(2)), int(send.group(3))
        if not 1 <= port <= _MAX_PORT or digits % 2:
            self._skipping = True  # its payload follows all the same
            return self._error(cycle, "invalid_parameter")
        self._awaiting = (send.group(1).lower() == "pctx", port, digits)
        return []

    def _air_session(self, confirmed: bool) -> AirSession | None:
        s = self._settings
        rate = int(s["dr"])
        if s["mode"] == "1":
            joined = self._session
            if joined is None:
                return None
            return AirSession(
                self._hweui, joined.dev_addr, joined.nwk_skey, joined.app_skey, rate, confirmed
            )
        if any(set(s[name]) == {"0"} for name in ("devaddr", "nwkskey", "appskey")):
            return None
        return AirSession(self._hweui, s["devaddr"], s["nwkskey"], s["appskey"], rate, confirmed)

    def _send(self, confirmed: bool, port: int, text: str, cycle: int) -> list[Reply]:
        if _HEX_TEXT.fullmatch(text) is None:
            return self._error(cycle, "invalid_parameter", f"an uplink that is not hex: {text!r}")
        payload = bytes.fromhex(text)
        session = self._air_session(confirmed)
        if session is None:
            return self._error(cycle, "not_joined", f"the {self.name} sent before joining")
        if len(payload) > self.max_payload(session.rate):
            return self._error(cycle, "payload_too_long")
        counter = self._counters[0]
        self._counters[0] += 1
        band = int(self._settings["band"])
        unheard = None
        if band != self._listening:
            unheard = (
                f"an uplink on {self._band_name(band)}, where the network does not listen "
                f"(it listens on {self._band_name(self._listening)})"
            )
        refusal, air_ms = self.put_on_air(session, counter, port, payload, cycle, unheard=unheard)
        replies = [self._say(cycle, "+OK")]
        if confirmed and refusal is None:
            replies.append(self._say(cycle, "+ACK", air_ms + self._timing["receive_windows"]))
        return replies
