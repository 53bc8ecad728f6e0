"""What the gateway knows about devices while it processes frames: keys, aliases, settings.

The directory is an in-memory copy of the ``devices`` and ``device_aliases`` tables, read
once at start and again after every change made through the admin API (and periodically, for
changes made by another instance).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from pydantic import BaseModel, ConfigDict, field_validator

from openpcs.frames import normalize_key
from openpcs.frames.errors import BadKey

__all__ = [
    "DeviceKeys",
    "DeviceSettings",
    "Directory",
    "normalize_serial",
    "token_hash",
]

_SERIAL: Final = re.compile(r"[0-9A-Fa-f]{1,16}")
#: Encrypted frame types and the key that opens each (100 and 102 are stored as received).
_KEY_OF_TYPE: Final = {96: "payload", 103: "bridge"}


def normalize_serial(text: str) -> str:
    """A device serial as stored: uppercase hex, or an alias's id part as given.

    Raises ``ValueError`` for anything that is not 1 to 16 hex digits.
    """
    value = text.strip()
    if not _SERIAL.fullmatch(value):
        raise ValueError(f"{text!r} is not a serial (1 to 16 hex digits)")
    return value.upper()


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored (tokens themselves are never kept)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class DeviceKeys(BaseModel):
    """A device's AES keys, as the node was programmed with them.

    ``payload`` opens its device-to-gateway frames (type 96) and, on request, its
    device-to-cloud frames (type 100): 16, 24 or 32 characters. ``bridge`` opens type-103
    frames: 16 characters.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    payload: str | None = None
    bridge: str | None = None

    @field_validator("payload")
    @classmethod
    def _payload_key(cls, value: str | None) -> str | None:
        return _checked(value, None)

    @field_validator("bridge")
    @classmethod
    def _bridge_key(cls, value: str | None) -> str | None:
        return _checked(value, 103)


def _checked(value: str | None, frame_type: int | None) -> str | None:
    if value is None:
        return None
    try:
        normalize_key(value, frame_type)
    except BadKey as exc:
        raise ValueError(str(exc)) from None
    return value


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """One device's settings as processing needs them."""

    serial: str
    keys: DeviceKeys = field(default_factory=DeviceKeys)
    ingest_token_hash: str | None = None
    tiny_table: int | None = None
    expected_sensors: frozenset[str] | None = None


@dataclass(slots=True)
class Directory:
    """Devices by serial and aliases (``lorawan:<DevEUI>``) to serials."""

    devices: Mapping[str, DeviceSettings] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: serial by the hash of its device's own ingest token (derived from ``devices``)
    _token_owners: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._token_owners = {
            s.ingest_token_hash: serial
            for serial, s in self.devices.items()
            if s.ingest_token_hash is not None
        }

    @property
    def has_device_tokens(self) -> bool:
        """Whether any device has its own ingest token."""
        return bool(self._token_owners)

    def resolve(self, device: str) -> str:
        """The serial a network identity names: its alias target, else the id after ``:``."""
        known = self.aliases.get(device)
        if known is not None:
            return known
        return device.partition(":")[2] or device

    def settings(self, serial: str | None) -> DeviceSettings | None:
        """The device's settings, ``None`` when it has none."""
        return None if serial is None else self.devices.get(serial)

    def key_for(self, serial: str, frame_type: int) -> str | None:
        """The key that opens ``frame_type`` frames of ``serial``, if the gateway holds it."""
        settings = self.devices.get(serial)
        kind = _KEY_OF_TYPE.get(frame_type, "payload")
        if settings is None:
            return None
        return settings.keys.bridge if kind == "bridge" else settings.keys.payload

    def device_of_token(self, token: str) -> str | None:
        """The serial of the device whose own ingest token ``token`` is, if any."""
        return self._token_owners.get(token_hash(token))

    def ingest_allowed(self, serial: str | None, token: str | None) -> bool:
        """Whether a frame of ``serial`` may come in with ``token`` (devices without one: yes)."""
        settings = self.settings(serial)
        if settings is None or settings.ingest_token_hash is None:
            return True
        if token is None:
            return False
        return hmac.compare_digest(settings.ingest_token_hash, token_hash(token))
