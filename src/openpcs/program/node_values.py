"""The per-node values of a program: identity and credentials, kept in their own small file.

Everything a batch of nodes made from one template usually varies by (serial, name, keys,
addresses, EUIs, passwords) becomes a ``char`` array in ``node_values.cpp``, declared in
``node_values.h``. The sketch refers to them by name, so two nodes that differ only in these
values share the sketch's object file, and the secrets sit in one file a user can find.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import SecretStr

from openpcs.config.model import NodeConfig
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


@dataclass(frozen=True, slots=True)
class NodeValue:
    """One per-node value: its C name, the text, where it came from, and whether it is secret."""

    name: str
    text: str
    path: str
    secret: bool

    @property
    def declaration(self) -> str:
        """``extern char NAME[];``"""
        return f"extern char {self.name}[];"

    @property
    def definition(self) -> str:
        """``char NAME[] = "…";``"""
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
