"""HTTPS as a Meshlium does it: ``openpcs serve`` makes a CA of its own at first start, serves
every route over TLS with a certificate it signs for the names nodes use, hands the CA out at
``GET /ca.pem``, and stores a frame a client sends over HTTPS verifying against that CA; a
client without the CA is refused by its own TLS check. The admin may give a certificate and key
instead."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from openpcs.gateway.settings import resolve_settings
from openpcs.gateway.tls_files import NODE_CERTIFICATE_LIMIT, TlsError, ensure
from tests.gateway import frames as f
from tests.gateway.running import start_serve


class _Served:
    def __init__(self, process: subprocess.Popen[bytes], state: dict[str, Any], data: Path):
        self.process, self.state, self.data = process, state, data

    def url(self, scheme: str, host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.state[scheme]['port']}"

    @property
    def admin_token(self) -> str:
        return (self.data / "admin-token").read_text().strip()


def _serve(tmp_path: Path, *flags: str, settings: str = "") -> Iterator[_Served]:
    data = tmp_path / "data"
    config = tmp_path / "gateway.yaml"
    config.write_text(settings or "{}\n")
    process, state = start_serve(data, "--config", str(config), *flags)
    try:
        yield _Served(process, state, data)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[_Served]:
    yield from _serve(tmp_path, settings="https:\n  names: [gateway.example.org, 192.168.7.7]\n")


def test_a_frame_over_https_verified_against_the_downloaded_ca_is_stored(
    served: _Served, tmp_path: Path
) -> None:
    ca = httpx.get(served.url("http") + "/ca.pem", timeout=10)
    assert ca.status_code == 200
    assert ca.headers["content-type"] == "application/x-pem-file"
    assert len(ca.content) <= NODE_CERTIFICATE_LIMIT  # a node can install it
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.content)
    trusting = ssl.create_default_context(cafile=str(ca_file))
    with httpx.Client(base_url=served.url("https"), verify=trusting, timeout=10) as client:
        stored = client.get(
            "/getpost_frame_parser.php", params={"frame": f.binary(1).hex(), "wait": "processed"}
        )
        readings = client.get(
            "/api/v1/readings",
            params={"serial": f.SERIAL},
            headers={"Authorization": f"Bearer {served.admin_token}"},
        )
    assert stored.status_code == 200
    assert stored.text.startswith("ok ")
    assert {r["sensor"] for r in readings.json()["items"]} == {"TC", "HUM", "BAT"}
    # another TLS client, the standard library's, by the host name the certificate names
    with urllib.request.urlopen(
        served.url("https", "localhost") + "/healthz", context=trusting
    ) as got:
        assert json.loads(got.read()) == {"status": "ok"}
    # the 4G module offers only RSA key exchange suites (Wasp4G.h): the gateway takes them
    as_the_module = ssl.create_default_context(cafile=str(ca_file))
    as_the_module.maximum_version = ssl.TLSVersion.TLSv1_2
    as_the_module.set_ciphers("AES128-SHA")
    with httpx.Client(base_url=served.url("https"), verify=as_the_module, timeout=10) as module:
        assert module.get("/healthz").json() == {"status": "ok"}
    # a session cookie got over HTTPS never goes back over plain HTTP
    assert (
        "secure"
        in httpx.get(served.url("https") + "/login", verify=trusting).headers["set-cookie"].lower()
    )
    assert "secure" not in httpx.get(served.url("http") + "/login").headers["set-cookie"].lower()
    # a client that does not hold the CA refuses the gateway
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(served.url("https") + "/healthz", timeout=10)


def test_the_certificate_names_what_nodes_use_and_the_keys_are_the_owner_s(
    served: _Served,
) -> None:
    folder = served.data / "tls"
    server = x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "gateway.example.org"}
    assert {str(a) for a in names.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "192.168.7.7",
    }
    assert folder.stat().st_mode & 0o777 == 0o700
    for key in ("ca.key", "server.key"):
        assert (folder / key).stat().st_mode & 0o777 == 0o600


def test_the_ca_is_kept_and_the_server_certificate_follows_the_names(tmp_path: Path) -> None:
    first = ensure(tmp_path, "127.0.0.1", ("a.example.org",))
    assert first.ca is not None
    ca = first.ca.read_bytes()
    server = first.certificate.read_bytes()
    again = ensure(tmp_path, "127.0.0.1", ("a.example.org",))
    assert again.certificate.read_bytes() == server  # nothing changed: nothing made
    renamed = ensure(tmp_path, "127.0.0.1", ("b.example.org",))
    assert renamed.ca is not None
    assert renamed.ca.read_bytes() == ca  # the CA nodes installed stays
    certificate = x509.load_pem_x509_certificate(renamed.certificate.read_bytes())
    issuer = x509.load_pem_x509_certificate(ca)
    certificate.verify_directly_issued_by(issuer)
    assert "b.example.org" in str(certificate.extensions)
    # a CA whose key is gone is made anew, and the server certificate with it
    (tmp_path / "tls" / "ca.key").unlink()
    replaced = ensure(tmp_path, "127.0.0.1", ("b.example.org",))
    assert replaced.ca is not None
    new_ca = x509.load_pem_x509_certificate(replaced.ca.read_bytes())
    assert new_ca.fingerprint(hashes.SHA256()) != issuer.fingerprint(hashes.SHA256())
    x509.load_pem_x509_certificate(replaced.certificate.read_bytes()).verify_directly_issued_by(
        new_ca
    )


def test_the_certificates_pass_strict_x509_checking(tmp_path: Path) -> None:
    """Python 3.13's default client context checks strictly: key identifiers are needed."""
    made = ensure(tmp_path, "127.0.0.1", ())
    assert made.ca is not None
    done = subprocess.run(
        ["openssl", "verify", "-x509_strict", "-CAfile", str(made.ca), str(made.certificate)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_admin_s_certificate_and_key_are_used_and_checked(tmp_path: Path) -> None:
    mine = ensure(tmp_path / "made", "127.0.0.1", ())
    given = ensure(tmp_path / "elsewhere", "127.0.0.1", (), (mine.certificate, mine.key))
    assert (given.certificate, given.key, given.ca) == (mine.certificate, mine.key, None)
    other = ensure(tmp_path / "other", "127.0.0.1", ())
    with pytest.raises(TlsError, match="not the key of"):
        ensure(tmp_path / "x", "127.0.0.1", (), (mine.certificate, other.key))
    with pytest.raises(TlsError, match="not a PEM certificate"):
        ensure(tmp_path / "x", "127.0.0.1", (), (mine.key, mine.key))


def test_settings_refuse_half_a_certificate_and_no_listener(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"give https\.certificate and https\.key together"):
        resolve_settings({"https": {"certificate": str(tmp_path / "c.pem")}}, environ={})
    with pytest.raises(ValueError, match="turn on http or https"):
        resolve_settings({"http": {"enabled": False}, "https": {"enabled": False}}, environ={})


def test_https_alone_and_a_given_certificate_without_a_ca(tmp_path: Path) -> None:
    made = ensure(tmp_path / "made", "127.0.0.1", ())
    settings = f"https:\n  certificate: {made.certificate}\n  key: {made.key}\n"
    serving = _serve(tmp_path, "--no-http", settings=settings)
    alone = next(serving)
    try:
        assert "http" not in alone.state
        assert made.ca is not None
        trusting = ssl.create_default_context(cafile=str(made.ca))
        with httpx.Client(base_url=alone.url("https"), verify=trusting, timeout=10) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            missing = client.get("/ca.pem")
        assert missing.status_code == 404
        assert "given by its admin with no CA to hand out" in missing.text
    finally:
        serving.close()
