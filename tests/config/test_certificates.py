"""CA certificates for HTTPS: the first PEM block is what the radio gets, within its limit."""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from openpcs.config.certificates import CERTIFICATE_MAX_BYTES, first_certificate
from tests.config.helpers import check, config

DEMO = (Path(__file__).resolve().parents[2] / "examples" / "nodes" / "demo-ca.pem").read_text()
WIFI = {"type": "wifi", "essid": "plant-ap", "security": "wpa2", "password": "correct horse"}


def _https(certificate: str) -> dict[str, object]:
    destination = {"type": "https", "host": "example.org", "port": 443, "path": "/in"}
    return config(radio=WIFI, destination={**destination, "certificate": certificate})


def _big_certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a" * 60)])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_the_first_block_is_kept_without_what_surrounds_it() -> None:
    noisy = "subject=CN = Zürich root ✓\nissuer=…\n" + DEMO + "\ntrailing words\n"
    assert first_certificate(noisy) == first_certificate(DEMO)
    assert first_certificate(DEMO) is not None
    assert first_certificate("no certificate here") is None
    assert [i for i in check(_https(noisy)).issues if i.path == "destination.certificate"] == []


def test_a_certificate_over_the_radio_limit_is_an_error() -> None:
    big = _big_certificate()
    assert len(first_certificate(big) or "") > CERTIFICATE_MAX_BYTES
    messages = [i.message for i in check(_https(big)).errors]
    assert any("at most 1,500 bytes" in message for message in messages), messages


def test_a_chain_installs_its_first_certificate_only() -> None:
    warnings = [i.message for i in check(_https(DEMO + DEMO)).warnings]
    assert "only the first certificate (the CA) is installed in the radio" in warnings
