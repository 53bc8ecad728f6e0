"""Protocol and destination (guide §2.12) and payload encryption."""

from __future__ import annotations

from collections.abc import Iterator

from cryptography import x509

from openpcs.config.certificates import CERTIFICATE_MAX_BYTES, first_certificate
from openpcs.config.issues import Issue
from openpcs.config.model import (
    Cellular4G,
    CloudBridge,
    Http,
    Https,
    Meshlium,
    Sms,
    Tcp,
    Wifi,
)
from openpcs.config.rules.base import RuleContext, error, rule, warning
from openpcs.config.rules.formats import is_host, is_phone_e164, secret_text

_AES_KEY_LENGTHS = (16, 24, 32)
_AES_256_LENGTH = 32
_BRIDGE_KEY_LENGTH = 16


def _certificate(path: str, pem: str | None) -> Iterator[Issue]:
    if not pem:
        yield error(
            path,
            "give the CA certificate (PEM text, -----BEGIN CERTIFICATE----- …) that signed "
            "the server's certificate",
        )
        return
    block = first_certificate(pem)
    try:
        x509.load_pem_x509_certificate((block or pem).encode("ascii", errors="replace"))
    except ValueError:
        yield error(path, "not a PEM certificate (-----BEGIN CERTIFICATE----- …)")
        return
    if block is not None and len(block.encode()) > CERTIFICATE_MAX_BYTES:
        yield error(
            path,
            f"the radio stores a CA certificate of at most {CERTIFICATE_MAX_BYTES:,} bytes; "
            f"this one is {len(block.encode()):,}",
        )
    if pem.count("-----BEGIN CERTIFICATE-----") > 1:
        yield warning(path, "only the first certificate (the CA) is installed in the radio")


def _endpoint(host: str | None, port: int | None, path: str | None = None) -> Iterator[Issue]:
    if not host:
        yield error("destination.host", "give the server's host name or IP address")
    elif not is_host(host):
        yield error("destination.host", f"not a host name or IP address: {host!r}")
    if port is None:
        yield error("destination.port", "give the server's port (1..65535)")
    elif not 1 <= port <= 65535:
        yield error("destination.port", "the port is 1..65535")
    if path is not None and (not path.startswith("/") or any(c in path for c in " ?#")):
        yield error("destination.path", "the path starts with '/' and has no spaces, '?' or '#'")


@rule("destination", "2.12")
def destination_fits_the_radio(context: RuleContext) -> Iterator[Issue]:
    """Only the destinations the radio allows; each with valid host, port, path, number, PEM."""
    allowed = context.radio.destinations
    destination = context.config.destination
    if destination is None:
        if allowed and allowed != ("zigbee_receiver",):
            yield error("destination.type", f"choose a destination: {', '.join(allowed)}")
        return
    if not allowed:
        yield error(
            "destination",
            f"{context.radio.name} sends to its network server, not to a destination; "
            "set the destination there and remove this section",
        )
        return
    if destination.type not in allowed:
        yield error(
            "destination.type",
            f"{context.radio.name} can send to {', '.join(allowed)}, not {destination.type}",
        )
        return
    over_ip = isinstance(context.config.radio, Cellular4G | Wifi)
    if isinstance(destination, Meshlium):
        if over_ip:
            yield from _endpoint(destination.host, destination.port)
            yield from _certificate("destination.certificate", destination.certificate)
        elif destination.host or destination.port or destination.certificate:
            yield warning(
                "destination", "ignored over XBee: frames go to the Meshlium at radio.mac"
            )
    elif isinstance(destination, Https):
        yield from _endpoint(destination.host, destination.port, destination.path)
        yield from _certificate("destination.certificate", destination.certificate)
    elif isinstance(destination, Http):
        yield from _endpoint(destination.host, destination.port, destination.path)
    elif isinstance(destination, Tcp):
        yield from _endpoint(destination.host, destination.port)
    elif isinstance(destination, Sms):
        if not is_phone_e164(destination.phone):
            yield error("destination.phone", "the phone number is E.164: +, country code, number")
    elif isinstance(destination, CloudBridge) and over_ip:
        yield from _endpoint(destination.host, destination.port, destination.path)
        key = secret_text(destination.key)
        if key is None or len(key) != _BRIDGE_KEY_LENGTH or not key.isascii():
            yield error(
                "destination.key",
                "frames to the Bridge over 4G/WiFi are type 103: give its AES-128 key, "
                "16 characters",
            )
        if destination.api_key is None:
            yield error("destination.api_key", "the Bridge needs the node's API key")
        # the radio checks the server before the API key leaves the node
        yield from _certificate("destination.certificate", destination.certificate)
    elif isinstance(destination, CloudBridge) and destination.certificate:
        yield warning(
            "destination.certificate", "ignored: over XBee the Meshlium talks to the Bridge"
        )


@rule("encryption", "2.12")
def payload_encryption(context: RuleContext) -> Iterator[Issue]:
    """Not on ZigBee, Sigfox or LoRaWAN; a 16/24/32-character key; 96 only to a Meshlium."""
    encryption = context.config.encryption
    key = secret_text(encryption.key)
    if encryption.mode == "disabled":
        if key is not None:
            yield warning("encryption.key", "ignored: payload encryption is disabled")
        return
    if not context.radio.payload_encryption:
        yield error(
            "encryption.mode",
            f"payload encryption is not available on {context.radio.name} (guide §3.1)",
        )
        return
    if not context.licence.payload_encryption:
        yield error("encryption.mode", f"{context.licence.name} has no payload encryption")
    if key is None:
        yield error("encryption.key", "give the AES key (16, 24 or 32 characters)")
    elif len(key) not in _AES_KEY_LENGTHS or not key.isascii():
        yield error(
            "encryption.key",
            f"the AES key is 16, 24 or 32 ASCII characters (AES-128/192/256), not {len(key)}",
        )
    elif len(key) != _AES_256_LENGTH:
        yield warning(
            "encryption.key",
            f"a {len(key)}-character key gives AES-{len(key) * 8}; the PCS uses AES-256, "
            "32 characters (gateways accept both)",
        )
    destination = context.config.destination
    if encryption.mode == "device_to_gateway" and not isinstance(destination, Meshlium):
        yield error(
            "encryption.mode",
            "device-to-gateway frames (type 96) are decrypted by a Meshlium gateway; to other "
            "destinations use device_to_cloud (type 100)",
        )
