"""The gateway's HTTPS certificate (guide §5.2 to §5.3): a CA of its own, made at first start and
kept in the data folder, and a server certificate it signs for the names nodes use; or the
certificate and key the admin gives.

Made here: RSA 2048-bit keys and SHA-256 signatures, which the node's 4G and WiFi modules take
(``docs/gateway.md``). The CA is a node's to install: its PEM must fit the configuration's
certificate limit (:data:`NODE_CERTIFICATE_LIMIT`), so it carries a short name and no more than
a CA needs. The server certificate names ``localhost``, ``127.0.0.1``, the address the HTTPS
listener is on (unless it is every address) and each of ``https.names`` (host names or
addresses); at each start it is made again, by the same CA, when those change, when it is not
that CA's or its key's, or when it has less than 30 days left. Certificates carry their key
identifiers (strict X.509 checking asks for them). Keys are written owner-only (0600) from the
start, in a folder only the owner may enter.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
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
_log = logging.getLogger("openpcs.gateway")


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


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` whole (a new file renamed over the old) with ``mode`` from the start:
    a key is never, even for a moment, readable by others, and a link there is not followed."""
    temporary = path.with_suffix(path.suffix + ".new")
    temporary.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    with os.fdopen(os.open(temporary, flags, mode), "wb") as file:
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
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
    _write(folder / "ca.key", _key_pem(key), 0o600)
    _write(folder / "ca.pem", pem, 0o644)
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


def _current(folder: Path, ca: x509.Certificate, wanted: list[str]) -> bool:
    """Whether the server certificate in ``folder`` is this CA's, for its key, names
    ``wanted``, is valid now and has time left."""
    try:
        certificate = x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())
        key = serialization.load_pem_private_key((folder / "server.key").read_bytes(), None)
        certificate.verify_directly_issued_by(ca)
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (OSError, ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    now = _now()
    valid = certificate.not_valid_before_utc <= now
    fresh = certificate.not_valid_after_utc - now > _RENEW_BEFORE
    named = set(extension.value) == set(_alternative_names(wanted))
    return valid and fresh and named and _same_key(certificate, key)


def _same_key(certificate: x509.Certificate, key: Any) -> bool:
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return bool(
        certificate.public_key().public_bytes(der, public)
        == key.public_key().public_bytes(der, public)
    )


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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder / "server.key", _key_pem(key), 0o600)
    _write(folder / "server.pem", certificate.public_bytes(serialization.Encoding.PEM), 0o644)


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
    if not _same_key(loaded, private):
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
    for private in ("ca.key", "server.key"):
        if (folder / private).is_file():
            os.chmod(folder / private, 0o600)
    if (folder / "ca.pem").is_file() and (folder / "ca.key").is_file():
        ca, ca_key = _load_ca(folder)
    else:
        if (folder / "ca.pem").exists():
            _log.warning(
                "%s: the CA's key is gone: a new CA is made, and nodes must install it again",
                folder,
            )
        ca, ca_key = _make_ca(folder)
    wanted = _server_names(host, names)
    if not _current(folder, ca, wanted):
        _make_server(folder, ca, ca_key, wanted)
    return GatewayCertificates(folder / "server.pem", folder / "server.key", folder / "ca.pem")
