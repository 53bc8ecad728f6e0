"""``NodeConfig``: everything the PCS form asks for one Plug & Sense! node (guide §2.2-§2.12).

The models check structure and types only (which keys exist, what kind of value each takes).
Everything that depends on the catalog or on other fields (is this probe offered in that
socket, is the watchdog longer than the sleep, is the key the right length) is a rule in
:mod:`openpcs.config.rules`, so that one check reports every problem at once.

Secrets (AES keys, link keys, passwords, LoRaWAN keys) are ``SecretStr``: they never appear in
``repr``, logs or JSON dumps, and summaries mask them.

This module holds the root model; its sections have modules of their own (the sockets and
probes in :mod:`~openpcs.config.model_sockets`, industrial protocol, GPS and timing in
:mod:`~openpcs.config.model_options`, the radios in :mod:`~openpcs.config.model_radios`, the
destinations and payload encryption in :mod:`~openpcs.config.model_destinations`); this
module re-exports all their names, and the rest of the project imports them from here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator

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
from openpcs.config.model_options import (
    BatteryWarning,
    CanBusConfig,
    GpsConfig,
    IndustrialConfig,
    ModbusConfig,
    ModbusRead,
    SleepConfig,
    WatchdogConfig,
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
from openpcs.config.model_sockets import (
    SOCKETS,
    IonPoint,
    RadiationConfig,
    RelayConfig,
    SocketConfig,
    SocketName,
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
