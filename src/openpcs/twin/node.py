"""The world around a Waspmote v15's MCU in the twin: its I2C chips, the RTC wired to wake
and reset it, the USB console on UART0, the radio in its socket (socket 0 shares UART0 with
the console, socket 1 has UART1; the multiplexer lines say which hears the program), the
socket's power switch, and the node's cycles.

A cycle is one call of the program's ``loop()`` when the run marks it (the address from the
program's symbols), else what runs up to each deep sleep (a probe's warm-up sleep then counts
as one). After the number asked for, the run stops where the next would begin.
"""

from __future__ import annotations

from collections.abc import Mapping

from openpcs.twin.bus import I2cBus, I2cDevice
from openpcs.twin.console import Console
from openpcs.twin.devices.crypto_eeprom import CRYPTO_EEPROM_ADDRESS, CryptoEeprom
from openpcs.twin.devices.rtc import RTC_ADDRESS, RealTimeClock
from openpcs.twin.devices.rtc_wiring import RtcWiring
from openpcs.twin.harness import Link
from openpcs.twin.radios.module import SocketModule
from openpcs.twin.waspmote import socket_wiring

__all__ = ["NodeWorld"]


class NodeWorld:
    """A v15 Waspmote whose serial number is ``serial`` (8 bytes), with ``module`` in its
    socket (or none), ``chips`` on the I2C bus beside the RTC and the crypto EEPROM and ``analog``
    voltages (mV, by ADC channel) on its analog inputs; the run stops after ``cycles``
    cycles."""

    def __init__(
        self,
        serial: bytes,
        module: SocketModule | None,
        *,
        cycles: int,
        clock: RealTimeClock | None = None,
        chips: Mapping[int, I2cDevice] | None = None,
        analog: Mapping[int, int] | None = None,
        marked_loop: bool = False,
    ) -> None:
        self.clock = clock or RealTimeClock()
        self.crypto = CryptoEeprom(serial)
        devices: dict[int, I2cDevice] = {
            RTC_ADDRESS: self.clock,
            CRYPTO_EEPROM_ADDRESS: self.crypto,
            **(chips or {}),
        }
        self.bus = I2cBus(devices)
        self.analog = dict(analog or {})
        self.wiring = RtcWiring(self.clock)
        self.module = module
        self.console = Console()
        #: what the program sent on UART1 to no modelled module (GPS, auxiliary sockets): kept
        self.uart1 = bytearray()
        self.cycles = cycles
        self.marked_loop = marked_loop
        #: the MCU cycle at which each node cycle began (unmarked: the first at power-on)
        self.cycle_starts: list[int] = [] if marked_loop else [0]
        #: the MCU cycles at which the node went into deep sleep
        self.sleeps_at: list[int] = []
        self._link: Link | None = None
        self._ports: dict[str, int] = {}
        self._wiring = socket_wiring(module.socket if module is not None else 0)

    def _level(self, port_and_pin: tuple[str, int]) -> bool:
        port, pin = port_and_pin
        return bool(self._ports.get(port, 0) >> pin & 1)

    def started(self, link: Link) -> None:
        """The run begins: the RTC's lines are low, socket 0 is off, the analog inputs hold
        their voltages."""
        self._link = link
        for channel, millivolts in self.analog.items():
            link.analog(channel, millivolts)
        self.wiring.connect(link)

    def uart_sent(self, port: int, data: bytes, cycle: int) -> None:
        """A UART's bytes go to the radio while its multiplexer lines give them the radio's
        socket; otherwise UART0's to the console, UART1's are kept."""
        self.wiring.update(cycle)
        routed = all(self._level(route) for route in self._wiring.route)
        if self.module is not None and port == self._wiring.uart and routed:
            for reply in self.module.received(data, cycle):
                if self._link is not None:
                    self._link.uart(port, reply.data, reply.cycle)
        elif port == 0:
            self.console.feed(data, cycle)
        else:
            self.uart1 += data

    def port_written(self, port: str, value: int, cycle: int) -> None:
        """The socket's power switch reaches the module."""
        was_powered = self._level(self._wiring.power)
        self._ports[port] = value
        powered = self._level(self._wiring.power)
        if powered != was_powered and self.module is not None:
            self.module.power(powered, cycle)
        self.wiring.update(cycle)

    def i2c(self, step: str, byte: int, cycle: int) -> int:
        """The bus answers; after each transaction the RTC's lines follow its flags."""
        answer = self.bus.step(step, byte, cycle)
        if step == "p":
            self.wiring.update(cycle)
        return answer

    def sleeps(self, cycle: int) -> int:
        """The RTC's alarm wakes the node (unmarked: a cycle ends here, and after the last
        the run stops)."""
        self.sleeps_at.append(cycle)
        if self.marked_loop:
            return self.wiring.wake_cycle(cycle)
        if len(self.cycle_starts) >= self.cycles:
            self._stop()
            return cycle
        wake = self.wiring.wake_cycle(cycle)
        self.cycle_starts.append(wake or cycle)
        return wake

    def marked(self, cycle: int) -> None:
        """``loop()`` begins a cycle (after the last, the run stops)."""
        if len(self.cycle_starts) >= self.cycles:
            self._stop()
        else:
            self.cycle_starts.append(cycle)

    def _stop(self) -> None:
        if self._link is not None:
            self._link.stop()

    def cycle_of(self, cycle: int) -> int:
        """The node cycle (from 1) an MCU cycle falls in; 0 in ``setup()``, before it."""
        return sum(1 for start in self.cycle_starts if start <= cycle)
