"""An MQTT broker's address as the settings give it (``mqtt://host:port``, ``mqtts://…``)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["broker_address", "mqtt_url"]


def broker_address(url: str) -> tuple[str, int, bool]:
    """Host, port and TLS from ``mqtt://host:port`` or ``mqtts://host:port``.

    Raises ``ValueError`` for another scheme or a URL without a host; the message never
    repeats the URL, which may hold a password.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("not a URL with a valid port (mqtt://host:port)") from None
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError("an MQTT URL starts with mqtt:// or mqtts://")
    if not parts.hostname:
        raise ValueError("the MQTT URL names no host (mqtt://host:port)")
    tls = parts.scheme == "mqtts"
    return parts.hostname, port or (8883 if tls else 1883), tls


def mqtt_url(url: str) -> str:
    """``url`` once :func:`broker_address` takes it (a settings validator)."""
    broker_address(url)
    return url
