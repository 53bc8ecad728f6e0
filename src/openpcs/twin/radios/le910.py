"""The 4G module (Telit LE910) in socket 1, as the Waspmote API drives it: AT commands ending
in CR on UART1, echoed until ``ATE0`` and answered Hayes-style; after a ``>`` prompt, data
(a number of bytes, or up to Ctrl-Z); its data services reach the twin's Internet
(:mod:`openpcs.twin.radios.le910_ip`).

Facts from the API's sources (Wasp4G.cpp, WaspUART.cpp): ``ON()`` sets UART1's multiplexer
to the socket, switches ``GPRS_PW`` off for 500 ms and on, waits 20 s, then sends ``AT`` up to
15 times a second apart, ``AT+CMEE=1``, ``ATE0``, ``AT+WS46=<n>``, ``AT#GPRS=0`` and
``AT#CGMM``; ``OFF()`` sends ``AT#SHDN``. Every command first empties what the MCU has
received, so an answer counts only after its command. ``enterPIN()`` sends
``AT+CPIN="<pin>"``; until the SIM has its PIN, the module does not register. An SMS:
``AT+CMGF=1``, ``AT+CPMS``, ``AT+CNMI``, ``AT+CSMP``, then ``AT+CMGS="<number>"``, a ``>``
prompt, the text and Ctrl-Z, answered ``+CMGS: <reference>`` and OK once on the air.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from openpcs.twin.internet import Internet
from openpcs.twin.radios.le910_ip import Collect, IpServices, Outcome, Voice, arguments, takes
from openpcs.twin.radios.module import Delivery, Reply
from openpcs.twin.waspmote import twin_data

__all__ = ["Cellular4GModule"]

#: settings the API writes that the module only acknowledges (matched in upper case)
_SETTINGS: Final = re.compile(
    r"AT(\+CMEE=[012]|\+WS46=\d+|#USERID=.*|#PASSW=.*|#SCFGEXT3?=[\d,]+|\+CMGF=1|\+CPMS=.*"
    r"|\+CNMI=[\d,]+|\+CSMP=[\d,]+)"
)
#: what precedes a command on the line: line ends, and a Ctrl-Z or ESC after a data block
_LEAD: Final = b"\r\n\x1a\x1b"


class Cellular4GModule:
    """An LE910 whose SIM's network serves ``apn`` and whose SIM wants ``pin`` (``None``: no
    PIN); a TLS server it reaches is signed by ``certificate`` (the destination's CA)."""

    def __init__(
        self, internet: Internet, *, apn: str, pin: str | None, certificate: str | None
    ) -> None:
        facts = twin_data("le910.yaml")
        self.name = "4G LE910"
        self.socket = 1
        self.aliases: list[str] = []
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        self._voice = Voice(facts["timing_ms"])
        self._identity: dict[str, str] = facts["identity"]
        self._registration = int(facts["registration"])
        self._wrong_pin = int(facts["wrong_pin_error"])
        self._pin = pin
        self._internet = internet
        self.ip = IpServices(
            internet,
            facts,
            self._voice,
            apn=apn,
            certificate=certificate,
            deliveries=self.deliveries,
            problems=self.problems,
            radio=self.name,
            on_network=lambda: self._sim_open,
        )
        self._commands: dict[str, Callable[[list[str], int], Outcome]] = {
            "AT+CPIN": self._enter_pin,
            "AT+CPIN?": self._pin_state,
            "AT+CREG?": self._registered("+CREG"),
            "AT+CGREG?": self._registered("+CGREG"),
            "AT+CEREG?": self._registered("+CEREG"),
            "AT#CGMM": self._tell("#CGMM", self._identity["model"]),
            "AT#CGMR": self._tell("#CGMR", self._identity["firmware"]),
            "AT+CMGS": self._sms,
            **self.ip.commands,
        }
        self._powered = False
        self._ready_at = 0
        self._pending = bytearray()
        self._collect: Collect | None = None
        self._echo = True
        self._sim_open = pin is None
        self._sms_reference = 0

    def power(self, on: bool, cycle: int) -> None:
        """On: the module answers once it has started. Off: what it held is gone, but for the
        CA certificate and the SMS reference."""
        if on == self._powered:
            return
        self._powered = on
        self._pending.clear()
        self._collect = None
        self._echo = True
        self._sim_open = self._pin is None
        self.ip.power_off(cycle)
        if on:
            self._ready_at = self._voice.at(cycle, "boot")

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Commands (up to their CR) and data blocks, each answered in order; what arrives
        while the module is off or starting is lost."""
        if not self._powered or cycle < self._ready_at:
            return []
        self._pending += data
        replies: list[Reply] = []
        while True:
            if self._collect is not None:
                block = takes(self._collect, self._pending)
                if block is None:
                    return replies
                done, self._collect = self._collect.done, None
                data, cancelled = block
                replies += [self._voice.say(cycle, "OK")] if cancelled else done(data, cycle)
                continue
            line = self._next_line()
            if line is None:
                return replies
            if line:
                replies += self._command(line, cycle)

    def _next_line(self) -> str | None:
        while self._pending[:1] and self._pending[0] in _LEAD:
            del self._pending[0]
        end = self._pending.find(b"\r")
        if end < 0:
            return None
        line = bytes(self._pending[:end]).decode("latin-1")
        del self._pending[: end + 1]
        return line

    def _command(self, line: str, cycle: int) -> list[Reply]:
        echo = Reply(cycle, line.encode("latin-1") + b"\r") if self._echo else None
        outcome = self._answer(line, cycle)
        if isinstance(outcome, Collect):
            self._collect = outcome
            outcome = [Reply(self._voice.at(cycle, "answer"), b"\r\n> ")]
        return [echo, *outcome] if echo is not None else outcome

    def _answer(self, line: str, cycle: int) -> Outcome:
        upper = line.upper()
        if upper in ("AT", "ATE", "ATE1", "ATE0") or _SETTINGS.fullmatch(upper):
            if upper.startswith("ATE"):
                self._echo = upper == "ATE1"
            return [self._voice.say(cycle, "OK")]
        if upper == "AT#SHDN":
            reply = self._voice.say(cycle, "OK")
            self.power(False, cycle)
            return [reply]
        head, equals, rest = line.partition("=")
        handler = self._commands.get(head.upper() if equals else upper)
        if handler is None:
            # the command's name only: what follows may be a password
            self.problems.append(f"the {self.name} has no command {head[:24]!r}")
            return [self._voice.say(cycle, "ERROR")]
        try:
            given = arguments(rest)
        except ValueError as exc:
            self.problems.append(f"{head[:24]}: {exc}")
            return [self._voice.say(cycle, "ERROR")]
        return handler(given, cycle)

    def _tell(self, name: str, value: str) -> Callable[[list[str], int], Outcome]:
        def tell(args: list[str], cycle: int) -> Outcome:
            return [self._voice.say(cycle, f"{name}: {value}", "OK")]

        return tell

    def _registered(self, name: str) -> Callable[[list[str], int], Outcome]:
        def registered(args: list[str], cycle: int) -> Outcome:
            state = self._registration if self._sim_open else 0
            return [self._voice.say(cycle, f"{name}: 0,{state}", "OK")]

        return registered

    def _pin_state(self, args: list[str], cycle: int) -> Outcome:
        state = "READY" if self._sim_open else "SIM PIN"
        return [self._voice.say(cycle, f"+CPIN: {state}", "OK")]

    def _enter_pin(self, args: list[str], cycle: int) -> Outcome:
        if self._pin is None or self._sim_open:
            return [self._voice.say(cycle, "+CME ERROR: 3")]  # operation not allowed
        if args[:1] != [self._pin]:
            self.problems.append("the SIM did not take the PIN the program entered")
            return [self._voice.say(cycle, f"+CME ERROR: {self._wrong_pin}")]
        self._sim_open = True
        return [self._voice.say(cycle, "OK")]

    def _sms(self, args: list[str], cycle: int) -> Outcome:
        if not args or not args[0]:
            self.problems.append("AT+CMGS without a phone number")
            return [self._voice.say(cycle, "+CMS ERROR: 500")]
        if not self._sim_open:
            self.problems.append("an SMS before the SIM took its PIN")
            return [self._voice.say(cycle, "+CMS ERROR: 500")]
        number = args[0]  # a second argument, the number's type, changes nothing here

        def send(text: bytes, end: int) -> list[Reply]:
            self.deliveries.extend(
                self._internet.sms(number, text.decode("latin-1"), radio=self.name, cycle=end)
            )
            self._sms_reference = (self._sms_reference + 1) % 256
            return [self._voice.say(end, f"+CMGS: {self._sms_reference}", "OK", after="sms")]

        return Collect(None, send)
