"""The per-node values of a program: identity and credentials, kept in their own small file.

Everything a batch of nodes made from one template usually varies by (serial, name, keys,
addresses, EUIs, passwords) becomes a ``char`` array in ``node_values.cpp``, declared in
``node_values.h``. The sketch refers to them by name, so two nodes that differ only in these
values share the sketch's object file, and the secrets sit in one file a user can find.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import SecretStr

from openpcs.config.model import LoRaWAN, NodeConfig
from openpcs.program.cpp import c_string

__all__ = ["PER_NODE_PATHS", "NodeValue", "NodeValues"]

#: Configuration paths whose values live in ``node_values.cpp``, and their C names.
PER_NODE_PATHS: Final = {
    "serial": "NODE_SERIAL",
    "node_name": "NODE_NAME",
    "radio.mac": "NODE_DESTINATION_MAC",
    "radio.link_key": "NODE_LINK_KEY",
    "radio.dev_eui": "NODE_DEV_EUI",
    "radio.dev_addr": "NODE_DEV_ADDR",
    "radio.nwk_skey": "NODE_NWK_SKEY",
    "radio.app_skey": "NODE_APP_SKEY",
    "radio.app_eui": "NODE_APP_EUI",
    "radio.app_key": "NODE_APP_KEY",
    "radio.pin": "NODE_SIM_PIN",
    "radio.password": "NODE_RADIO_PASSWORD",
    "encryption.key": "NODE_AES_KEY",
    "destination.key": "NODE_CLOUD_KEY",
    "destination.api_key": "NODE_CLOUD_API_KEY",
}
_UPPERCASE: Final = frozenset({"serial", "radio.mac", "radio.dev_eui", "radio.dev_addr"})


#: C names of values worked out from others
LORAWAN_TAG: Final = "NODE_LORAWAN_TAG"
LORAWAN_SESSION: Final = "NODE_LORAWAN_SESSION"
CLOUD_KEY_CHECK: Final = "NODE_CLOUD_KEY_CHECK"


@dataclass(frozen=True, slots=True)
class NodeValue:
    """One per-node value: its C name, the text (or bytes), where it came from, if secret."""

    name: str
    text: str
    path: str
    secret: bool
    data: bytes | None = None

    @property
    def declaration(self) -> str:
        """``extern char NAME[];`` (``extern uint8_t NAME[n];`` for bytes)."""
        if self.data is not None:
            return f"extern uint8_t {self.name}[{len(self.data)}];"
        return f"extern char {self.name}[];"

    @property
    def definition(self) -> str:
        """``char NAME[] = "…";`` (``uint8_t NAME[n] = {0x…};`` for bytes)."""
        if self.data is not None:
            items = ", ".join(f"0x{byte:02X}" for byte in self.data)
            return f"uint8_t {self.name}[{len(self.data)}] = {{{items}}};"
        return f"char {self.name}[] = {c_string(self.text)};"


def _lookup(config: NodeConfig, path: str) -> object:
    value: object = config
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


class NodeValues:
    """The per-node values present in one configuration, by configuration path."""

    def __init__(self, config: NodeConfig) -> None:
        self.values: dict[str, NodeValue] = {}
        for path, name in PER_NODE_PATHS.items():
            raw = _lookup(config, path)
            if raw is None:
                continue
            secret = isinstance(raw, SecretStr)
            text = raw.get_secret_value() if isinstance(raw, SecretStr) else str(raw)
            if path in _UPPERCASE:
                text = text.upper()
            self.values[path] = NodeValue(name, text, path, secret)
        self._derive(config)

    def _derive(self, config: NodeConfig) -> None:
        """Values worked out from others, for checks the program makes on the node."""
        if isinstance(config.radio, LoRaWAN):
            # what the LoRaWAN module was set up with: when the program starts again with the
            # same settings it keeps the module's session and frame counters
            # (a field added later, left unset, does not change it: nodes programmed before
            # keep their module's session when programmed again)
            unset = {name for name in ("sub_band",) if getattr(config.radio, name) is None}
            settings = config.radio.model_dump_json(exclude={"port", "confirmed", *unset})
            secrets = "".join(
                value.text for path, value in self.values.items() if path.startswith("radio.")
            )
            tag = hashlib.sha256((settings + secrets).encode()).hexdigest()[:8].upper()
            self.values[LORAWAN_TAG] = NodeValue(LORAWAN_TAG, tag, "radio", secret=False)
            # which session the frame counters kept in the user EEPROM belong to: the same
            # ABP address and keys keep counting after a new program (never all 0xFF, the
            # value of an erased EEPROM)
            session_keys = ("dev_addr", "nwk_skey", "app_skey", "dev_eui", "app_eui", "app_key")
            session_text = config.radio.activation + "".join(
                self.values[f"radio.{name}"].text
                for name in session_keys
                if f"radio.{name}" in self.values
            )
            session = hashlib.sha256(session_text.encode()).digest()[:4]
            if session == b"\xff" * 4:
                session = b"\xff\xff\xff\xfe"
            self.values[LORAWAN_SESSION] = NodeValue(
                LORAWAN_SESSION, session.hex(), "radio", secret=False, data=session
            )
        key = self.values.get("destination.key")
        if key is not None and len(key.text.encode()) == 16:
            # the Cloud Bridge key's AES-128 of a zero block: the program compares it with what
            # the secure EEPROM computes, so a key slot that did not take the key is caught
            encryptor = Cipher(algorithms.AES(key.text.encode()), modes.ECB()).encryptor()
            check = encryptor.update(bytes(16)) + encryptor.finalize()
            self.values[CLOUD_KEY_CHECK] = NodeValue(
                CLOUD_KEY_CHECK, check.hex(), "destination.key", secret=True, data=check
            )

    def __call__(self, path: str) -> str:
        """The C name of the value at ``path``; ``KeyError`` when the configuration has none."""
        if path not in self.values:
            raise KeyError(f"the configuration has no value at {path}")
        return self.values[path].name

    def has(self, path: str) -> bool:
        """Whether the configuration gives a value at ``path``."""
        return path in self.values

    def text(self, path: str) -> str:
        """The value itself (for sizes and checks made while generating)."""
        return self.values[path].text

    def ordered(self) -> list[NodeValue]:
        """Every value, in the order of :data:`PER_NODE_PATHS`."""
        return list(self.values.values())
