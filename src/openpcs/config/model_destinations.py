"""Where a node sends its frames (guide §2.12) and how their payload is encrypted.

``Destination`` is the union the node configuration's ``destination`` key takes, told apart by
``type``; ``EncryptionConfig`` is its ``encryption`` key. The models check structure and types
only; which destination a radio can reach and which encryption a destination accepts are rules
in :mod:`openpcs.config.rules`. API keys and AES keys are ``SecretStr``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from openpcs.config.model_base import StrictModel

__all__ = [
    "CloudBridge",
    "Destination",
    "EncryptionConfig",
    "Http",
    "Https",
    "Meshlium",
    "Sms",
    "Tcp",
    "ZigBeeReceiver",
]


class Meshlium(StrictModel):
    """A Meshlium-compatible gateway (over XBee: the radio's MAC; over 4G/WiFi: HTTPS)."""

    type: Literal["meshlium"]
    host: str | None = None
    port: int | None = None
    certificate: str | None = None


class CloudBridge(StrictModel):
    """The Cloud Bridge; over 4G/WiFi frames travel as type 103 with an AES-128 key."""

    type: Literal["cloud_bridge"]
    host: str = "hw.libelium.com"
    port: int = 443
    path: str = "/hw/ps"
    api_key: SecretStr | None = None
    key: SecretStr | None = None
    #: over 4G/WiFi: the CA certificate the radio checks the Bridge's server with
    certificate: str | None = None


class Sms(StrictModel):
    """SMS to a phone number; the body is the frame in hex."""

    type: Literal["sms"]
    phone: str


class Http(StrictModel):
    """HTTP GET ``http://host:port/path?frame=HEX``."""

    type: Literal["http"]
    host: str
    port: int = 80
    path: str = "/"


class Https(StrictModel):
    """HTTPS GET with the server's CA certificate installed in the radio."""

    type: Literal["https"]
    host: str
    port: int = 443
    path: str = "/"
    certificate: str


class Tcp(StrictModel):
    """Raw TCP; the frame is sent as hex with no headers."""

    type: Literal["tcp"]
    host: str
    port: int


class ZigBeeReceiver(StrictModel):
    """A ZigBee coordinator receiving the frames (the only destination for ZigBee 3)."""

    type: Literal["zigbee_receiver"]


Destination = Annotated[
    Meshlium | CloudBridge | Sms | Http | Https | Tcp | ZigBeeReceiver,
    Field(discriminator="type"),
]


class EncryptionConfig(StrictModel):
    """Payload (AES) encryption: which mode and the key."""

    mode: Literal["disabled", "device_to_cloud", "device_to_gateway"] = "disabled"
    key: SecretStr | None = None
