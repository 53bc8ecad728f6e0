"""What a node's configuration gives the gateway that will receive its frames: its keys and
the network identities it will arrive under.

Read from the configuration as a plain document (the checked configuration dumped to a
mapping), so that the gateway needs nothing of the configuration package: the payload key
(``encryption.key``, unless encryption is disabled), the Cloud Bridge key (``destination.key``
of a ``cloud_bridge`` destination), and ``lorawan:<DevEUI>`` for a LoRaWAN radio. The web
application registers them when it builds a node's program; the twin, when it delivers a
run's frames to a gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpcs.gateway.store.devices import normalize_alias

__all__ = ["keys_of"]


def _section(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = document.get(name)
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def keys_of(document: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The keys (``payload``, ``bridge``) and aliases a checked configuration document gives
    its node."""
    keys: dict[str, str] = {}
    encryption = _section(document, "encryption")
    if encryption.get("mode") not in (None, "disabled") and (key := _text(encryption.get("key"))):
        keys["payload"] = key
    destination = _section(document, "destination")
    if destination.get("type") == "cloud_bridge" and (key := _text(destination.get("key"))):
        keys["bridge"] = key
    aliases = []
    radio = _section(document, "radio")
    if radio.get("type") == "lorawan" and (dev_eui := _text(radio.get("dev_eui"))):
        aliases.append(normalize_alias(f"lorawan:{dev_eui}"))
    return keys, aliases
