"""The MQTT forwarder with TLS client certificates, as AWS IoT Core and Azure IoT Hub
authenticate: against a Mosquitto the test starts on a free port, which asks every client for
a certificate its CA (made here) signed. The forwarder with its certificate delivers every
frame; without one the broker refuses it and the frames wait; when the broker stops and starts
again, nothing is lost."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import ValidationError

from openpcs.gateway.settings import resolve_settings
from tests.gateway.running import wait_for
from tests.gateway.test_forwarders import (
    TIMEOUT,
    backlog,
    forwarder_stats,
    running_gateway,
    send_frames,
    unique_serial,
)
from tests.requirements import skip_or_fail


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write(folder: Path, name: str, certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
    (folder / f"{name}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _issue(
    ca: x509.Certificate | None, ca_key: rsa.RSAPrivateKey | None, name: str, usage: Any
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ca is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    else:
        assert ca_key is not None
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        if usage == ExtendedKeyUsageOID.SERVER_AUTH:
            loopback = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
            names = [x509.DNSName("localhost"), loopback]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), False)
    return builder.sign(ca_key or key, hashes.SHA256()), key


class _Broker:
    """Mosquitto on a free loopback port asking each client for a certificate the CA signed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        config = folder / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"cafile {folder / 'ca.pem'}\ncertfile {folder / 'server.pem'}\n"
            f"keyfile {folder / 'server.key'}\nrequire_certificate true\n"
            "use_identity_as_username true\n"
            f"persistence true\npersistence_location {folder}/\n"
            # As root, Mosquitto drops to its own user, who cannot read the test's key files.
            + ("user root\n" if os.geteuid() == 0 else "")
        )
        self.log = folder / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["mosquitto", "-c", str(self.folder / "mosquitto.conf")],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
            except OSError:
                return False
            return True

        try:
            wait_for(listening, TIMEOUT)
        except AssertionError:
            pytest.fail(f"mosquitto did not listen: {self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(TIMEOUT)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[_Broker]:
    if shutil.which("mosquitto") is None:
        skip_or_fail("mosquitto not installed (make deps, or apt-get install mosquitto)")
    folder = tmp_path / "tls"
    folder.mkdir()
    ca, ca_key = _issue(None, None, "test CA", None)
    _write(folder, "ca", ca, ca_key)
    _write(folder, "server", *_issue(ca, ca_key, "localhost", ExtendedKeyUsageOID.SERVER_AUTH))
    _write(folder, "client", *_issue(ca, ca_key, "gateway", ExtendedKeyUsageOID.CLIENT_AUTH))
    running = _Broker(folder)
    running.start()
    try:
        yield running
    finally:
        running.stop()


class _Subscriber:
    """A persistent (QoS 1, not clean) session on the broker, with the client certificate."""

    def __init__(self, broker: _Broker, topic: str) -> None:
        self.documents: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        folder = broker.folder
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}", clean_session=False
        )
        self.client.tls_set(
            str(folder / "ca.pem"),
            str(folder / "client.pem"),
            str(folder / "client.key"),
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
        self.client.on_message = self._message
        self.client.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
        self.client.reconnect_delay_set(0.2, 1)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        wait_for(self.client.is_connected, TIMEOUT)

    def _message(self, client: Any, userdata: Any, message: Any) -> None:
        with self._lock:
            self.documents.append(json.loads(message.payload))

    def frame_ids(self, serial: str) -> set[int]:
        """The ids of the frames of ``serial`` received (each gateway numbers its own)."""
        with self._lock:
            return {doc["frame_id"] for doc in self.documents if doc["serial"] == serial}

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _forwarder(broker: _Broker, prefix: str, *, certified: bool) -> dict[str, Any]:
    folder = broker.folder
    forwarder: dict[str, Any] = {
        "name": "broker",
        "url": f"mqtts://127.0.0.1:{broker.port}",
        "topic": f"{prefix}/{{serial}}/frames",
        "ca_certificate": str(folder / "ca.pem"),
    }
    if certified:
        forwarder |= {
            "client_certificate": str(folder / "client.pem"),
            "client_key": str(folder / "client.key"),
        }
    return forwarder


def test_frames_go_with_the_client_certificate_and_not_without(
    tmp_path: Path, broker: _Broker
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    subscriber = _Subscriber(broker, f"{prefix}/#")
    try:
        with running_gateway(
            tmp_path / "a", mqtt=[_forwarder(broker, prefix, certified=True)]
        ) as running:
            certified = unique_serial()
            sent = set(send_frames(running, certified, range(5)).values())
            wait_for(lambda: subscriber.frame_ids(certified) >= sent, TIMEOUT)
            wait_for(lambda: backlog(running, "broker")["waiting"] == 0, TIMEOUT)
        refused = _forwarder(broker, prefix, certified=False)
        with running_gateway(tmp_path / "b", mqtt=[refused]) as running:
            refused_serial = unique_serial()
            send_frames(running, refused_serial, range(3))
            wait_for(lambda: forwarder_stats(running, "broker")["failed_attempts"] >= 1, TIMEOUT)
            assert backlog(running, "broker")["waiting"] == 3
            assert forwarder_stats(running, "broker")["last_error"]
        assert not subscriber.frame_ids(refused_serial)
    finally:
        subscriber.close()


def test_a_broker_that_stops_and_starts_again_loses_nothing(
    tmp_path: Path, broker: _Broker
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    subscriber = _Subscriber(broker, f"{prefix}/#")
    serial = unique_serial()
    try:
        with running_gateway(
            tmp_path, mqtt=[_forwarder(broker, prefix, certified=True)]
        ) as running:
            (first,) = send_frames(running, serial, range(1)).values()
            wait_for(lambda: first in subscriber.frame_ids(serial), TIMEOUT)
            broker.stop()
            outage = set(send_frames(running, serial, range(1, 11)).values())
            wait_for(lambda: forwarder_stats(running, "broker")["failed_attempts"] >= 1, TIMEOUT)
            assert backlog(running, "broker")["waiting"] == 10
            time.sleep(0.5)
            broker.start()
            wait_for(lambda: backlog(running, "broker")["waiting"] == 0, TIMEOUT)
            wait_for(lambda: subscriber.frame_ids(serial) >= outage | {first}, TIMEOUT)
    finally:
        subscriber.close()


def _settings(folder: Path, **extra: Any) -> dict[str, Any]:
    forwarder = {"name": "b", "url": "mqtts://h:8883", "ca_certificate": str(folder / "ca.pem")}
    return {"forwarders": {"mqtt": [forwarder | extra]}}


@pytest.fixture
def tls_files(tmp_path: Path) -> Path:
    ca, ca_key = _issue(None, None, "test CA", None)
    _write(tmp_path, "ca", ca, ca_key)
    certificate, key = _issue(ca, ca_key, "gateway", ExtendedKeyUsageOID.CLIENT_AUTH)
    _write(tmp_path, "client", certificate, key)
    sealed = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret-pass"),
    )
    (tmp_path / "sealed.key").write_bytes(sealed)
    return tmp_path


def test_the_files_are_loaded_with_the_settings(tls_files: Path) -> None:
    client = {"client_certificate": str(tls_files / "client.pem")}
    plain = resolve_settings(
        _settings(tls_files, **client, client_key=str(tls_files / "client.key")), environ={}
    )
    assert plain.forwarders.mqtt[0].client_key is not None
    sealed = {**client, "client_key": str(tls_files / "sealed.key")}
    with pytest.raises(ValidationError, match="encrypted keys need client_key_password"):
        resolve_settings(_settings(tls_files, **sealed), environ={})
    with pytest.raises(ValidationError, match="do not load together"):
        resolve_settings(_settings(tls_files, **sealed, client_key_password="wrong"), environ={})
    opened = resolve_settings(
        _settings(tls_files, **sealed, client_key_password="s3cret-pass"), environ={}
    )
    assert "s3cret" not in repr(opened)
    swapped = {**client, "client_key": str(tls_files / "ca.key")}
    with pytest.raises(ValidationError, match="do not load together"):
        resolve_settings(_settings(tls_files, **swapped), environ={})
    not_a_ca = {"ca_certificate": str(tls_files / "client.key")}
    with pytest.raises(ValidationError, match="ca_certificate is not a PEM certificate"):
        resolve_settings(_settings(tls_files, **not_a_ca), environ={})
    upper = _settings(tls_files)
    upper["forwarders"]["mqtt"][0]["url"] = "MQTTS://h:8883"
    assert resolve_settings(upper, environ={}).forwarders.mqtt[0].ca_certificate is not None
