"""The gateway's HTTPS certificate (guide §5.2 to §5.3): a CA of its own, made at first start and
kept in the data folder, and a server certificate it signs for the names nodes use; or the
certificate and key the admin gives.

Made here: RSA 2048-bit keys and SHA-256 signatures, which the node's 4G and WiFi modules take
(``docs/gateway.md``). The CA is a node's to install: its PEM must fit the configuration's
certificate limit (:data:`NODE_CERTIFICATE_LIMIT`), so it carries a short name and no more than
a CA needs. The server certificate names ``localhost``, ``127.0.0.1``, the address the HTTPS
listener is on (unless it is every address) and each of ``https.names`` (host names or
addresses); it is made again, by the same CA, when those change or it has less than 30 days
left. Keys are written owner-only (0600), in a folder only the owner may enter.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from openpcs.gateway.settings import GatewaySettings as GatewaySettingsLike

__all__ = [
    "NODE_CERTIFICATE_LIMIT",
    "GatewayCertificates",
    "TlsError",
    "ca_fingerprint",
    "ca_path",
    "ensure",
]

#: the largest CA certificate (PEM) a node's configuration takes
NODE_CERTIFICATE_LIMIT: Final = 1500
_FOLDER: Final = "tls"
_KEY_BITS: Final = 2048
_CA_DAYS: Final = 3650
_SERVER_DAYS: Final = 825
_RENEW_BEFORE: Final = datetime.timedelta(days=30)
_EVERY_ADDRESS: Final = frozenset({"0.0.0.0", "::", ""})


class TlsError(ValueError):
    """The HTTPS certificate cannot be made or used; the message names the file and why."""


@dataclass(frozen=True)
class GatewayCertificates:
    """What the HTTPS listener serves (``certificate``, ``key``) and the CA that signed it
    (``ca``; ``None`` when the admin gave a certificate and no CA)."""

    certificate: Path
    key: Path
    ca: Path | None


def ca_path(data_dir: Path) -> Path:
    """Where the gateway keeps its own CA certificate."""
    return data_dir / _FOLDER / "ca.pem"


def ca_fingerprint(settings: GatewaySettingsLike) -> str | None:
    """The SHA-256 fingerprint of the CA ``GET /ca.pem`` hands out (``None``: none), as
    ``AB:CD:…``, for an admin to compare with what a node holds."""
    https = settings.https
    path = https.ca if https.certificate is not None else ca_path(settings.data_dir)
    if path is None:
        return None
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only (never, even for a moment, by others)."""
    temporary = path.with_suffix(path.suffix + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _make_ca(folder: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openpcs gateway CA")])
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    if len(pem) > NODE_CERTIFICATE_LIMIT:
        raise TlsError(f"the CA made is {len(pem)} B, past a node's {NODE_CERTIFICATE_LIMIT} B")
    _write_private(folder / "ca.key", _key_pem(key))
    (folder / "ca.pem").write_bytes(pem)
    return certificate, key


def _load_ca(folder: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    try:
        certificate = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise TlsError(f"{folder}: the gateway's CA cannot be read ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TlsError(f"{folder / 'ca.key'}: not an RSA key")
    return certificate, key


def _alternative_names(names: list[str]) -> list[x509.GeneralName]:
    found: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            found.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            found.append(x509.DNSName(name))
    return found


def _server_names(host: str, names: tuple[str, ...]) -> list[str]:
    wanted = ["localhost", "127.0.0.1", *names]
    if host not in _EVERY_ADDRESS:
        wanted.append(host)
    return list(dict.fromkeys(wanted))


def _current(path: Path, wanted: list[str]) -> bool:
    """Whether the server certificate at ``path`` names ``wanted`` and has time left."""
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    named = set(_alternative_names(wanted))
    fresh = certificate.not_valid_after_utc - _now() > _RENEW_BEFORE
    return fresh and set(extension.value) == named


def _make_server(
    folder: Path, ca: x509.Certificate, ca_key: rsa.RSAPrivateKey, names: list[str]
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
    now = _now()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alternative_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(folder / "server.key", _key_pem(key))
    (folder / "server.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _given(certificate: Path, key: Path) -> GatewayCertificates:
    """The admin's certificate and key, checked to belong together."""
    try:
        loaded = x509.load_pem_x509_certificate(certificate.read_bytes())
    except (OSError, ValueError) as exc:
        raise TlsError(f"{certificate}: not a PEM certificate ({exc})") from None
    try:
        private = serialization.load_pem_private_key(key.read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise TlsError(f"{key}: not an unencrypted PEM private key ({exc})") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if loaded.public_key().public_bytes(encoding, public) != private.public_key().public_bytes(
        encoding, public
    ):
        raise TlsError(f"{key}: not the key of {certificate}")
    return GatewayCertificates(certificate, key, None)


def ensure(
    data_dir: Path,
    host: str,
    names: tuple[str, ...],
    given: tuple[Path, Path] | None = None,
) -> GatewayCertificates:
    """The certificate the HTTPS listener on ``host`` serves: the admin's (``given``:
    certificate, key), or the gateway's own, made or renewed as needed."""
    if given is not None:
        return _given(*given)
    folder = data_dir / _FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if (folder / "ca.pem").is_file() and (folder / "ca.key").is_file():
        ca, ca_key = _load_ca(folder)
    else:
        ca, ca_key = _make_ca(folder)
    wanted = _server_names(host, names)
    server, server_key = folder / "server.pem", folder / "server.key"
    if not (server_key.is_file() and _current(server, wanted)):
        _make_server(folder, ca, ca_key, wanted)
    return GatewayCertificates(server, server_key, folder / "ca.pem")
