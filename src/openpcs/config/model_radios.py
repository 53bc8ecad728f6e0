"""The radio module of a node (guide §2.11): XBee, 4G, WiFi, Sigfox, LoRaWAN.

``Radio`` is the union the node configuration's ``radio`` key takes, told apart by ``type``.
Each module's model holds what the form asks for it and checks structure and types only;
whether the values suit the module, its region and the destination is a rule in
:mod:`openpcs.config.rules`. Link keys, passwords, PINs and LoRaWAN keys are ``SecretStr``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from openpcs.config.model_base import StrictModel

__all__ = [
    "Cellular4G",
    "LoRaWAN",
    "Radio",
    "Sigfox",
    "Wifi",
    "WifiIp",
    "XBee802",
    "XBee868LP",
    "XBee900HP",
    "XBeeZigBee3",
]


class _XBee(StrictModel):
    mac: str
    attempts: int = 3
    link_key: SecretStr | None = None
    #: split frames larger than the radio carries into complete smaller frames (fragments)
    fragments: bool = False


class XBee802(_XBee):
    """XBee-PRO 802.15.4 (standard or EU)."""

    type: Literal["xbee_802_15_4"]
    region: Literal["standard", "eu"] = "standard"
    pan_id: str
    channel: int | str


class XBee900HP(_XBee):
    """XBee-PRO 900HP (US, BR or AU)."""

    type: Literal["xbee_900hp"]
    region: Literal["us", "br", "au"] = "us"
    pan_id: str
    channel_mask: str
    preamble: int = 0


class XBee868LP(_XBee):
    """XBee 868LP."""

    type: Literal["xbee_868lp"]
    region: Literal["standard"] = "standard"
    pan_id: str
    channel_mask: str
    preamble: int = 0


class XBeeZigBee3(_XBee):
    """XBee ZigBee 3 (to a ZigBee receiver only)."""

    type: Literal["xbee_zigbee3"]
    region: Literal["standard"] = "standard"
    extended_pan_id: str
    channel_mask: str


class Cellular4G(StrictModel):
    """4G module (EU/BR, Americas or Australia)."""

    type: Literal["4g"]
    region: Literal["eu_br", "americas", "australia"]
    apn: str
    login: str = ""
    password: SecretStr | None = None
    pin: SecretStr | None = None


class WifiIp(StrictModel):
    """How the WiFi module gets its address."""

    method: Literal["dhcp", "static"] = "dhcp"
    address: str | None = None
    dns: str | None = None
    gateway: str | None = None
    netmask: str | None = None


class Wifi(StrictModel):
    """WiFi PRO module joining an access point."""

    type: Literal["wifi"]
    region: Literal["standard"] = "standard"
    essid: str
    security: Literal["open", "wep64", "wep128", "wpa", "wpa2"] = "wpa2"
    password: SecretStr | None = None
    ip: WifiIp = WifiIp()


class Sigfox(StrictModel):
    """Sigfox module; nothing to set (the destination lives in the Sigfox backend)."""

    type: Literal["sigfox"]
    region: Literal["standard"] = "standard"


class LoRaWAN(StrictModel):
    """LoRaWAN module with ABP or OTAA activation."""

    type: Literal["lorawan"]
    region: Literal["eu", "us", "au", "in", "asia_pac_latam", "jp_kr"]
    adr: bool = True
    confirmed: bool = False
    port: int = 3
    data_rate: int | None = None
    #: JP/KR only: which country's band the module uses
    band: Literal["as923", "kr920"] | None = None
    #: US/AU only: the 8-channel sub-band (1-8) the gateway listens on (2 when not given)
    sub_band: int | None = None
    activation: Literal["abp", "otaa"]
    dev_eui: str
    dev_addr: str | None = None
    nwk_skey: SecretStr | None = None
    app_skey: SecretStr | None = None
    app_eui: str | None = None
    app_key: SecretStr | None = None


Radio = Annotated[
    XBee802 | XBee900HP | XBee868LP | XBeeZigBee3 | Cellular4G | Wifi | Sigfox | LoRaWAN,
    Field(discriminator="type"),
]
