"""A LoRaWAN module (Microchip RN2483 / RN2903) in socket 0, as the Waspmote API drives it:
text commands ending in CR LF, each answered with one line (``ok``, ``invalid_param``, a
value); joins and uplinks answered twice, the second line once the network has answered.

Facts from the API's sources (WaspLoRaWAN.cpp, WaspUART.cpp): the API flushes what it has
received, sends a command and matches the answers it expects anywhere in what comes back
(``sys get ver`` must bring "RN2483" or "RN2903" within 2 s); numbers are decimal (``mac get
upctr`` → ``42``); ``mac tx uncnf <port> <hex>`` is answered ``ok`` (or ``not_joined``,
``invalid_param``, ``invalid_data_len``) within 500 ms and then ``mac_tx_ok``, ``mac_rx <port>
<hex>`` or ``mac_err`` within 20 s; ``mac join otaa`` is answered ``ok`` then ``accepted`` or
``denied`` within 30 s. What the module holds is lost with its power but for what ``mac save``
kept; ``sys factoryRESET`` forgets that too.

Each uplink goes to a :class:`LoRaNetwork`, which refuses a session it does not hold or a
frame counter it has seen (the module does not know: an unconfirmed uplink is ``mac_tx_ok``
either way, a confirmed one gets no acknowledgement and ends in ``mac_err``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from openpcs.catalog.devices import lorawan
from openpcs.config.airtime import lorawan_time_on_air
from openpcs.twin.radios.lorawan_network import LoRaNetwork, Session
from openpcs.twin.radios.module import Delivery, Reply, cycles_after
from openpcs.twin.waspmote import twin_data

__all__ = ["AirSession", "LoRaWANModule", "LoRaWANRadio", "Uplink", "modelled_region"]

_HEX_LENGTHS: Final = {
    "deveui": 16,
    "appeui": 16,
    "devaddr": 8,
    "appkey": 32,
    "nwkskey": 32,
    "appskey": 32,
}
#: keys the module never tells
_SECRET: Final = frozenset({"appkey", "nwkskey", "appskey"})
_ON_OFF: Final = ("on", "off")
_LARGEST_COUNTER: Final = 2**32 - 1
#: what "mac pause" answers: how long the MAC may stay paused (ms), as the API expects it
_PAUSED_FOR: Final = "4294967245"
_MAX_PORT: Final = 223


@dataclass(frozen=True)
class Uplink:
    """An uplink the module put on the air, and the network's verdict (``None``: accepted)."""

    counter: int
    port: int
    payload: bytes
    cycle: int
    refusal: str | None


def modelled_region(region: str) -> bool:
    """Whether the twin has a model of the module the region's node carries."""
    spec = lorawan().regions.get(region)
    return spec is not None and spec.module in twin_data("lorawan_modules.yaml")


def _number(low: int, high: int) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return value.isdigit() and low <= int(value) <= high

    return check


def _hex(length: int) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return re.fullmatch(f"[0-9A-Fa-f]{{{length}}}", value) is not None

    return check


@dataclass(frozen=True)
class AirSession:
    """The session an uplink goes in: the device's identity and keys as the module holds
    them (hex), the data rate and whether the uplink asks for an acknowledgement."""

    dev_eui: str
    dev_addr: str
    nwk_skey: str
    app_skey: str
    rate: int
    confirmed: bool


class LoRaWANRadio:
    """What every LoRaWAN module model shares: the node's region (a catalog region), the
    ``network`` its uplinks reach, and what it put on the air."""

    def __init__(self, region: str, network: LoRaNetwork, name: str) -> None:
        self._region = lorawan().regions[region]
        self.name = name
        self.network = network
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        self.aliases: list[str] = []
        self.socket = 0
        #: every uplink sent, accepted or not
        self.uplinks: list[Uplink] = []

    def max_payload(self, rate: int) -> int:
        """The largest application payload at data rate ``rate`` (0 when there is no such)."""
        return self._region.max_payload.get(rate, 0)

    def put_on_air(
        self,
        session: AirSession,
        counter: int,
        port: int,
        payload: bytes,
        cycle: int,
        *,
        unheard: str | None = None,
    ) -> tuple[str | None, float]:
        """One uplink with frame counter ``counter``: judged by the network (unless it never
        heard it, and ``unheard`` says why), delivered when accepted; the network's refusal
        (``None``: accepted) and the air time (ms)."""
        refusal = unheard or self.network.uplink(
            session.dev_addr, session.nwk_skey, session.app_skey, counter
        )
        self.uplinks.append(Uplink(counter, port, payload, cycle, refusal))
        if refusal is None:
            meta = {"dev_eui": session.dev_eui, "f_cnt": str(counter), "f_port": str(port)}
            meta |= {"dr": str(session.rate), "confirmed": str(session.confirmed).lower()}
            delivery = Delivery(self.name, session.dev_addr, payload, cycle, meta, via="lorawan")
            self.deliveries.append(delivery)
        else:
            self.problems.append(f"the network: {refusal}")
        spreading, bandwidth = self._region.modulation[session.rate]
        return refusal, 1000 * lorawan_time_on_air(len(payload), spreading, bandwidth)


class LoRaWANModule(LoRaWANRadio):
    """The module of a node in ``region`` (a catalog region), whose own EUI is ``hweui``,
    reaching ``network``."""

    def __init__(self, region: str, network: LoRaNetwork, hweui: str) -> None:
        module = lorawan().regions[region].module
        modules = twin_data("lorawan_modules.yaml")
        facts = modules[module]
        super().__init__(region, network, f"LoRaWAN {module}")
        self._version = str(facts["version"])
        self._channels = int(facts["channels"])
        self._band = str(facts["band"])
        self._timing: dict[str, float] = modules["timing_ms"]
        self._hweui = hweui.upper()
        self._saved = self._defaults()
        self._settings = dict(self._saved)
        self._joined = False
        self._powered = False
        self._line = bytearray()
        self._setters = self._setter_checks()

    def _defaults(self) -> dict[str, str]:
        settings = {name: "0" * length for name, length in _HEX_LENGTHS.items()}
        settings["deveui"] = self._hweui
        settings |= {"dr": str(self._region.default_data_rate), "adr": "off", "ar": "off"}
        settings |= {"upctr": "0", "dnctr": "0", "pwridx": "1", "retx": "7", "rxdelay1": "1000"}
        return settings

    def _setter_checks(self) -> dict[str, Callable[[str], bool]]:
        checks: dict[str, Callable[[str], bool]] = {n: _hex(k) for n, k in _HEX_LENGTHS.items()}
        rates = self._region.max_payload
        checks |= {"dr": _number(min(rates), max(rates)), "adr": _ON_OFF.__contains__}
        checks |= {"ar": _ON_OFF.__contains__, "upctr": _number(0, _LARGEST_COUNTER)}
        checks |= {"dnctr": _number(0, _LARGEST_COUNTER), "pwridx": _number(0, 15)}
        checks |= {"retx": _number(0, 255), "rxdelay1": _number(0, 65535)}
        checks |= {"linkchk": _number(0, 65535), "bat": _number(0, 255), "sync": _hex(2)}
        return checks

    def power(self, on: bool, cycle: int) -> None:
        """Off: what was not saved is lost, and with it the session the module had."""
        self._powered = on
        self._line.clear()
        if not on:
            self._settings = dict(self._saved)
            self._joined = False

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Each whole command line in what came is answered, in order."""
        if not self._powered:
            return []
        self._line += data
        replies: list[Reply] = []
        while (end := self._line.find(b"\r\n")) >= 0:
            line = bytes(self._line[:end])
            del self._line[: end + 2]
            try:
                text = line.decode("ascii")
            except UnicodeDecodeError:
                self.problems.append(f"a command that is not ASCII text: {line[:40]!r}")
                replies.append(self._say(cycle, "invalid_param"))
                continue
            replies += self._command(text, cycle)
        return replies

    def _say(self, cycle: int, text: str, after_ms: float | None = None) -> Reply:
        wait = self._timing["answer"] if after_ms is None else after_ms
        return Reply(cycles_after(cycle, wait), f"{text}\r\n".encode("ascii"))

    def _command(self, text: str, cycle: int) -> list[Reply]:
        words = text.split(" ")
        if words[:1] == ["sys"]:
            return [self._say(cycle, self._system(words[1:]))]
        if words[:2] == ["mac", "set"]:
            return [self._say(cycle, self._set(words[2:]))]
        if words[:2] == ["mac", "get"]:
            return [self._say(cycle, self._get(words[2:]))]
        if words[:3] == ["mac", "join", "otaa"] and len(words) == 3:
            return self._join_otaa(cycle)
        if words[:3] == ["mac", "join", "abp"] and len(words) == 3:
            return self._join_abp(cycle)
        if words[:2] == ["mac", "tx"]:
            return self._transmit(words[2:], cycle)
        return [self._say(cycle, self._mac(words))]

    def _system(self, words: list[str]) -> str:
        if words in (["get", "ver"], ["reset"], ["factoryRESET"]):
            if words == ["factoryRESET"]:
                self._saved = self._defaults()
            if words != ["get", "ver"]:
                self._settings = dict(self._saved)
                self._joined = False
            return self._version
        if words == ["get", "hweui"]:
            return self._hweui
        if words == ["get", "vdd"]:
            return "3300"
        if words[:1] == ["sleep"] and len(words) == 2 and words[1].isdigit():
            return "ok"
        return self._refuse(f"sys {' '.join(words)}")

    def _mac(self, words: list[str]) -> str:
        if words == ["mac", "save"]:
            self._saved = dict(self._settings)
            return "ok"
        if words[:2] == ["mac", "reset"] and len(words) <= 3:
            self._settings = self._defaults()
            self._joined = False
            return "ok"
        if words == ["mac", "pause"]:
            return _PAUSED_FOR
        if words == ["mac", "resume"]:
            return "ok"
        return self._refuse(" ".join(words))

    def _refuse(self, command: str) -> str:
        self.problems.append(f"the {self.name} has no command {command!r}")
        return "invalid_param"

    def _channel(self, words: list[str]) -> str:
        if len(words) < 3 or not words[2].isdigit() or int(words[2]) >= self._channels:
            return "invalid_param"
        if words[1] == "status" and len(words) == 4 and words[3] in _ON_OFF:
            self._settings[" ".join(words[:3])] = words[3]
            return "ok"
        if words[1] in ("freq", "dcycle", "drrange") and all(w.isdigit() for w in words[3:]):
            self._settings[" ".join(words[:3])] = " ".join(words[3:])
            return "ok"
        return "invalid_param"

    def _set(self, words: list[str]) -> str:
        if words[:1] == ["ch"]:
            return self._channel(words)
        if words[:1] == ["rx2"] and len(words) == 3 and all(w.isdigit() for w in words[1:]):
            self._settings["rx2"] = " ".join(words[1:])
            return "ok"
        if len(words) != 2:
            return self._refuse(f"mac set {' '.join(words)}")
        name, value = words
        check = self._setters.get(name)
        if check is None:
            return self._refuse(f"mac set {name}")
        if not check(value):
            return "invalid_param"
        self._settings[name] = value.upper() if name in _HEX_LENGTHS else value
        return "ok"

    def _get(self, words: list[str]) -> str:
        key = " ".join(words)
        if key == "status":
            return f"{int(self._joined):08X}"
        if key == "band":
            return self._band
        if key == "rxdelay2":
            return str(int(self._settings["rxdelay1"]) + 1000)
        if key in ("mrgn", "gwnb"):
            return "255" if key == "mrgn" else "1"
        if key == "dcycleps":
            return "1"
        if key in self._settings and key not in _SECRET:
            return self._settings[key]
        if words[:2] == ["ch", "status"] and len(words) == 3 and words[2].isdigit():
            return "on" if int(words[2]) < self._channels else "invalid_param"
        if key in _SECRET:
            return "invalid_param"
        return self._refuse(f"mac get {key}")

    def _keys_set(self, *names: str) -> bool:
        return all(set(self._settings[name]) != {"0"} for name in names)

    def _join_otaa(self, cycle: int) -> list[Reply]:
        if not self._keys_set("deveui", "appeui", "appkey"):
            return [self._say(cycle, "keys_not_init")]
        self._joined = False
        s = self._settings
        answer = self.network.join(s["deveui"], s["appeui"], s["appkey"], len(self.uplinks))
        later = self._timing["join_accept"]
        if not isinstance(answer, Session):
            self.problems.append(f"the network: {answer}")
            return [self._say(cycle, "ok"), self._say(cycle, "denied", later)]
        s |= {"devaddr": answer.dev_addr, "nwkskey": answer.nwk_skey, "appskey": answer.app_skey}
        s |= {"upctr": "0", "dnctr": "0"}
        self._joined = True
        return [self._say(cycle, "ok"), self._say(cycle, "accepted", later)]

    def _join_abp(self, cycle: int) -> list[Reply]:
        if not self._keys_set("devaddr", "nwkskey", "appskey"):
            return [self._say(cycle, "keys_not_init")]
        self._joined = True
        return [self._say(cycle, "ok"), self._say(cycle, "accepted", self._timing["abp_accept"])]

    def _transmit(self, words: list[str], cycle: int) -> list[Reply]:
        if len(words) != 3 or words[0] not in ("cnf", "uncnf") or not words[1].isdigit():
            return [self._say(cycle, "invalid_param")]
        port = int(words[1])
        try:
            payload = bytes.fromhex(words[2])
        except ValueError:
            return [self._say(cycle, "invalid_param")]
        if not 1 <= port <= _MAX_PORT or len(words[2]) % 2:
            return [self._say(cycle, "invalid_param")]
        if not self._joined:
            return [self._say(cycle, "not_joined")]
        rate = int(self._settings["dr"])
        if len(payload) > self.max_payload(rate):
            return [self._say(cycle, "invalid_data_len")]
        counter = int(self._settings["upctr"])
        self._settings["upctr"] = str(counter + 1)
        s = self._settings
        confirmed = words[0] == "cnf"
        session = AirSession(s["deveui"], s["devaddr"], s["nwkskey"], s["appskey"], rate, confirmed)
        refusal, air_ms = self.put_on_air(session, counter, port, payload, cycle)
        done = "mac_err" if refusal is not None and confirmed else "mac_tx_ok"
        later = air_ms + self._timing["receive_windows"]
        return [self._say(cycle, "ok"), self._say(cycle, done, later)]
