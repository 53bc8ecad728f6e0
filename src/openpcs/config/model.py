"""``NodeConfig``: everything the PCS form asks for one Plug & Sense! node (guide §2.2-§2.12).

The models check structure and types only (which keys exist, what kind of value each takes).
Everything that depends on the catalog or on other fields (is this probe offered in that
socket, is the watchdog longer than the sleep, is the key the right length) is a rule in
:mod:`openpcs.config.rules`, so that one check reports every problem at once.

Secrets (AES keys, link keys, passwords, LoRaWAN keys) are ``SecretStr``: they never appear in
``repr``, logs or JSON dumps, and summaries mask them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from openpcs.config.model_base import StrictModel
from openpcs.config.model_destinations import (
    CloudBridge,
    Destination,
    EncryptionConfig,
    Http,
    Https,
    Meshlium,
    Sms,
    Tcp,
    ZigBeeReceiver,
)
from openpcs.config.model_radios import (
    Cellular4G,
    LoRaWAN,
    Radio,
    Sigfox,
    Wifi,
    WifiIp,
    XBee802,
    XBee868LP,
    XBee900HP,
    XBeeZigBee3,
)

__all__ = [
    "SOCKETS",
    "BatteryWarning",
    "CanBusConfig",
    "Cellular4G",
    "CloudBridge",
    "Destination",
    "EncryptionConfig",
    "GpsConfig",
    "Http",
    "Https",
    "IndustrialConfig",
    "IonPoint",
    "LoRaWAN",
    "Meshlium",
    "ModbusConfig",
    "ModbusRead",
    "NodeConfig",
    "RadiationConfig",
    "Radio",
    "RelayConfig",
    "Sigfox",
    "SleepConfig",
    "Sms",
    "SocketConfig",
    "SocketName",
    "Tcp",
    "WatchdogConfig",
    "Wifi",
    "WifiIp",
    "XBee802",
    "XBee868LP",
    "XBee900HP",
    "XBeeZigBee3",
    "ZigBeeReceiver",
]

SocketName = Literal["A", "B", "C", "D", "E", "F"]
SOCKETS: tuple[SocketName, ...] = ("A", "B", "C", "D", "E", "F")


# --- sockets and probes ----------------------------------------------------------------------


class IonPoint(StrictModel):
    """One Smart Water Ions calibration point: a concentration and the voltage measured in it."""

    ppm: float
    volts: float


class SocketConfig(StrictModel):
    """The probe in one socket and the parameters that probe needs.

    ``calibration`` holds named values as the board's API takes them (see the probe's
    calibration kind in the catalog); ``points`` the Ions calibration points; ``event`` the
    Smart Security behaviour; ``calibrate`` asks an Xtreme program to offer its calibration menu.
    An unset ``event`` on an event probe means ``disabled``.
    """

    probe: str
    calibration: dict[str, float] | None = None
    points: list[IonPoint] | None = None
    event: Literal["disabled", "wake_up", "wake_up_relay"] | None = None
    calibrate: bool = False

    @model_validator(mode="before")
    @classmethod
    def _probe_shorthand(cls, data: Any) -> Any:
        """Accept ``A: bme280`` for ``A: {probe: bme280}``."""
        return {"probe": data} if isinstance(data, str) else data


class RadiationConfig(StrictModel):
    """Radiation Control: how long each reading counts pulses."""

    measuring_period_ms: int


class RelayConfig(StrictModel):
    """The Smart Security relay output (socket F) and when it switches off again."""

    enabled: bool = True
    mode: Literal["timeout", "until_clear"] = "timeout"
    timeout_s: int | None = None


# --- industrial protocol, GPS, timing ----------------------------------------------------------


class ModbusRead(StrictModel):
    """One "read input registers" operation."""

    slave: int
    start_register: int
    count: int = 1


class ModbusConfig(StrictModel):
    """Modbus master over RS-232 or RS-485."""

    protocol: Literal["modbus_rs232", "modbus_rs485"]
    baud_rate: int = 9600
    reads: list[ModbusRead]


class CanBusConfig(StrictModel):
    """CAN bus (OBD-II) readings."""

    protocol: Literal["canbus"]
    speed_kbps: int = 500
    operations: list[str]


IndustrialConfig = Annotated[ModbusConfig | CanBusConfig, Field(discriminator="protocol")]


class GpsConfig(StrictModel):
    """GPS fix with a timeout and the fields to add to the frame."""

    enabled: bool = True
    timeout_s: int = 60
    fields: list[str] = ["location"]  # noqa: RUF012  (pydantic copies it)


class SleepConfig(StrictModel):
    """Deep-sleep time between cycles, as the four fields of the form (unset parts are 0)."""

    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def total_seconds(self) -> int:
        """The whole sleep in seconds."""
        return ((self.days * 24 + self.hours) * 60 + self.minutes) * 60 + self.seconds


class WatchdogConfig(StrictModel):
    """RTC watchdog: reset the node if a cycle hangs for this many minutes."""

    enabled: bool = True
    minutes: int


class BatteryWarning(StrictModel):
    """Low-battery warnings LOW1/LOW2/LOW3 at three thresholds (%), T1 > T2 > T3."""

    enabled: bool = True
    thresholds: list[int]


# --- the whole node ----------------------------------------------------------------------------


class NodeConfig(StrictModel):
    """One node's configuration. Without ``serial`` it is a template."""

    serial: str | None = None
    node_name: str = ""
    model: str
    licence: Literal["basic", "pro", "elite"] = "basic"
    sockets: dict[SocketName, SocketConfig] = {}  # noqa: RUF012  (pydantic copies it)
    relay: RelayConfig | None = None
    radiation: RadiationConfig | None = None
    industrial: IndustrialConfig | None = None
    gps: GpsConfig | None = None
    sleep: SleepConfig = SleepConfig(minutes=10)
    watchdog: WatchdogConfig | None = None
    battery_warning: BatteryWarning | None = None
    radio: Radio
    destination: Destination | None = None
    encryption: EncryptionConfig = EncryptionConfig()

    @field_validator("serial", mode="before")
    @classmethod
    def _serial_as_text(cls, value: Any) -> Any:
        """A serial of only digits reads as a YAML number; keep it as the text it was.

        Serial IDs are hex; they are kept in upper case, as the node and its frames write
        them, so ``1a2b…`` and ``1A2B…`` are the same node everywhere.
        """
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value.upper() if isinstance(value, str) else value

    def is_template(self) -> bool:
        """A template is a configuration without a serial ID."""
        return self.serial is None
