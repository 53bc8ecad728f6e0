"""Small checks of text formats shared by the rules: hex digits, hosts, phone numbers."""

from __future__ import annotations

import ipaddress
import re
from typing import Final

__all__ = ["is_hex", "is_host", "is_ipv4", "is_netmask", "is_phone_e164", "secret_text"]

_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_LABEL: Final = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_E164: Final = re.compile(r"\+[1-9][0-9]{7,14}")


def is_hex(text: str, digits: int) -> bool:
    """Exactly ``digits`` hexadecimal digits."""
    return len(text) == digits and _HEX.fullmatch(text) is not None


def is_ipv4(text: str) -> bool:
    """A dotted IPv4 address."""
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def is_netmask(text: str) -> bool:
    """A contiguous IPv4 netmask such as 255.255.255.0."""
    if not is_ipv4(text):
        return False
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{text}")
    except ValueError:
        return False
    return True


def is_host(text: str) -> bool:
    """An IPv4/IPv6 address or a DNS host name."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return True
    if not text or len(text) > 253 or text.endswith("."):
        return False
    labels = text.split(".")
    return all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def is_phone_e164(text: str) -> bool:
    """An E.164 number: '+', a country code and up to 15 digits in all."""
    return _E164.fullmatch(text) is not None


def secret_text(value: object) -> str | None:
    """The text of a ``SecretStr`` (or plain str), ``None`` when unset."""
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter is not None else str(value)
