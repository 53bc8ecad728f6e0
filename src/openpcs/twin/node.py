"""The world around a Waspmote v15's MCU in the twin: its I2C chips, the RTC wired to wake
and reset it, the USB console on UART0, the radio in its socket (socket 0 shares UART0 with
the console, socket 1 has UART1; the multiplexer lines say which hears the program), the
other devices on the UARTs (the particle matter sensor on UART1), their power switches, and
the node's cycles.

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
from openpcs.twin.lines import PortLevels
from openpcs.twin.radios.module import SerialDevice, SocketModule
from openpcs.twin.waspmote import SerialWiring, serial_wiring

__all__ = ["NodeWorld"]


class NodeWorld:
    """A v15 Waspmote whose serial number is ``serial`` (8 bytes), with ``module`` in its
    socket (or none), ``chips`` on the I2C bus beside the RTC and the crypto EEPROM, ``analog``
    voltages (mV, by ADC channel) on its analog inputs and ``uart_devices`` on its UARTs (by
    place, ``twin/data/waspmote.yaml``); its output ports' levels go to ``levels``, which the
    devices that watch a line share; the run stops after ``cycles`` cycles."""

    def __init__(
        self,
        serial: bytes,
        module: SocketModule | None,
        *,
        cycles: int,
        clock: RealTimeClock | None = None,
        chips: Mapping[int, I2cDevice] | None = None,
        analog: Mapping[int, int] | None = None,
        uart_devices: Mapping[str, SerialDevice] | None = None,
        levels: PortLevels | None = None,
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
        self.levels = levels if levels is not None else PortLevels()
        places = dict(uart_devices or {})
        if module is not None:
            places[f"socket{module.socket}"] = module
        self._serial: list[tuple[SerialWiring, SerialDevice]] = [
            (serial_wiring(place), device) for place, device in places.items()
        ]
        for wiring, device in self._serial:
            if wiring.power is None:
                device.power(True, 0)

    def _level(self, port_and_pin: tuple[str, int] | None) -> bool:
        """Whether the line is high (no line: a supply that is always on)."""
        if port_and_pin is None:
            return True
        port, pin = port_and_pin
        return self.levels.high(port, pin)

    def _reaches(self, wiring: SerialWiring) -> bool:
        return all(self._level((port, pin)) == bool(level) for port, pin, level in wiring.route)

    def started(self, link: Link) -> None:
        """The run begins: the RTC's lines are low, socket 0 is off, the analog inputs hold
        their voltages."""
        self._link = link
        for channel, millivolts in self.analog.items():
            link.analog(channel, millivolts)
        self.wiring.connect(link)

    def uart_sent(self, port: int, data: bytes, cycle: int) -> None:
        """A UART's bytes go to the device its multiplexer lines give them to; with none,
        UART0's to the console, UART1's are kept."""
        self.wiring.update(cycle)
        device = next(
            (d for w, d in self._serial if w.uart == port and self._reaches(w)),
            None,
        )
        if device is not None:
            for reply in device.received(data, cycle):
                if self._link is not None:
                    self._link.uart(port, reply.data, reply.cycle)
        elif port == 0:
            self.console.feed(data, cycle)
        else:
            self.uart1 += data

    def port_written(self, port: str, value: int, cycle: int) -> None:
        """Each power switch reaches its device."""
        was = [self._level(wiring.power) for wiring, _ in self._serial]
        self.levels.write(port, value)
        for (wiring, device), was_powered in zip(self._serial, was, strict=True):
            powered = self._level(wiring.power)
            if powered != was_powered:
                device.power(powered, cycle)
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
