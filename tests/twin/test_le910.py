"""The 4G module model with a node written here in plain avr-libc (CI has no Waspmote API):
the node starts the module on UART1 behind its multiplexer, enters the PIN, activates the
data context and sends a frame four ways (HTTP GET, TCP, SMS, HTTPS GET after storing the CA);
each reaches the twin's gateway while the node runs and is stored. A wrong PIN keeps the
module off the network, a CA that is not the destination's fails the TLS handshake."""

from __future__ import annotations

from pathlib import Path

from openpcs.frames.document import encode_document
from openpcs.twin.gateway_link import GatewayClient, local_gateway
from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.internet import Internet
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.le910 import Cellular4GModule
from openpcs.twin.radios.module import Reply
from tests.twin.test_harness import _built

_SERIAL = "2C0B7E2D4A9123CD"
_APN = "internet.test"
_PIN = "4321"
_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "nodes"
_CA = (_EXAMPLES / "demo-ca.pem").read_text()
_OTHER_CA = _CA.replace("MII", "MIJ", 1)
_SETUP_LINE = "P OK I 10.64.12.7"


def _frame(sequence: int) -> bytes:
    fields = [{"TC": 21.5}, {"HUM": 48.25}, {"BAT": 87}]
    return encode_document(
        {"serial": _SERIAL, "node_name": "twin", "sequence": sequence, "fields": fields}
    )


def _c_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\r")
    return f'"{escaped}"'


def write_frame_header(out: Path, definitions: str) -> None:
    """payload.h for a test node: the frame (PAYLOAD), where its sequence number is
    (SEQUENCE_AT), and ``definitions``."""
    frame = _frame(0)
    (sequence_at,) = [i for i, (a, b) in enumerate(zip(frame, _frame(1), strict=True)) if a != b]
    body = ", ".join(f"0x{b:02X}" for b in frame)
    (out / "payload.h").write_text(
        f"static const unsigned char PAYLOAD[{len(frame)}] = {{ {body} }};\n"
        f"#define SEQUENCE_AT {sequence_at}\n{definitions}"
    )


def _write_header(out: Path, *, pin: str, ca: str) -> None:
    write_frame_header(
        out,
        f"#define PIN {_c_string(pin)}\n#define APN {_c_string(_APN)}\n"
        f"static const char CA[] = {_c_string(ca)};\n",
    )


def _run(
    out: Path, gateway: GatewayClient, *, cycles: int, pin: str = _PIN, ca: str = _CA
) -> tuple[Cellular4GModule, NodeWorld, Internet]:
    _write_header(out, pin=pin, ca=ca)
    program, _ = _built("cellular_node", out)
    internet = gateway.internet()
    module = Cellular4GModule(internet, apn=_APN, pin=_PIN, certificate=_CA)
    world = NodeWorld(bytes.fromhex(_SERIAL), module, cycles=cycles)
    result = run_program(program, cycles=300 * CLOCK_HZ, world=world, cache_root=out)
    internet.close()
    assert result.stop.reason is StopReason.ASKED, result.stop.text
    return module, world, internet


def test_a_4g_node_reaches_the_gateway_four_ways(tmp_path: Path) -> None:
    with local_gateway() as gateway:
        module, world, internet = _run(tmp_path, gateway, cycles=2)
        readings = gateway.readings(_SERIAL)
    lines = [line.text for line in world.console.lines]
    assert lines == [
        f"{_SETUP_LINE} H 200 ok 1 T OK S OK L OK R ok 4",
        f"{_SETUP_LINE} H 200 ok 5 T OK S OK L OK R ok 8",
    ]
    assert module.problems == []
    ways = [(d.to.split(":")[0], d.via, d.stored and d.stored.status) for d in module.deliveries]
    four = [(way, "internet", "ok") for way in ("http", "tcp", "sms", "https")]
    assert ways == four * 2
    assert [d.payload for d in module.deliveries[:4]] == [_frame(n) for n in range(4)]
    # every frame stored, each with its three readings
    assert len(readings) == 8 * 3
    assert {r["sensor"]: r["value"] for r in readings} == {"TC": 21.5, "HUM": 48.25, "BAT": 87}
    # the HTTPS request reached the twin's gateway over its HTTPS, and the log says so
    tls = [said for said in internet.log if said.startswith("GET https://gateway.test:443/")]
    assert len(tls) == 2
    assert all("over the gateway's HTTPS, checked with its CA" in said for said in tls)
    # each delivery happened in its cycle, while the node ran
    assert [world.cycle_of(d.cycle) for d in module.deliveries] == [1] * 4 + [2] * 4


def test_a_wrong_pin_keeps_the_module_off_the_network(tmp_path: Path) -> None:
    with local_gateway() as gateway:
        module, world, _ = _run(tmp_path, gateway, cycles=1, pin="0000")
    (line,) = [line.text for line in world.console.lines]
    assert line.startswith("P NO I none H none T NO S NO")
    assert module.deliveries == []
    assert "the SIM did not take the PIN the program entered" in module.problems
    assert "the data context was activated off the network" in module.problems


def test_a_ca_that_is_not_the_destinations_fails_the_handshake(tmp_path: Path) -> None:
    with local_gateway() as gateway:
        module, world, _ = _run(tmp_path, gateway, cycles=1, ca=_OTHER_CA)
    (line,) = [line.text for line in world.console.lines]
    assert line.endswith(" L OK R none")
    assert [d.to.split(":")[0] for d in module.deliveries] == ["http", "tcp", "sms"]
    assert any("the stored CA certificate is not the destination's" in p for p in module.problems)


def test_the_module_answers_only_once_started_and_refuses_what_it_does_not_know() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    module = Cellular4GModule(internet, apn=_APN, pin=None, certificate=None)
    assert module.received(b"AT\r", 0) == []  # not powered
    module.power(True, 0)
    assert module.received(b"AT\r", CLOCK_HZ) == []  # still starting
    ready = 10 * CLOCK_HZ
    echo, ok = module.received(b"AT\r", ready)
    assert (echo.data, ok.data) == (b"AT\r", b"\r\nOK\r\n")
    assert echo.cycle == ready < ok.cycle
    (ok,) = module.received(b"ATE0\r", ready)[1:]
    assert [r.data for r in module.received(b"AT#CGMR\r", ready)] == [
        b"\r\n#CGMR: 20.00.403\r\n\r\nOK\r\n"
    ]
    assert [r.data for r in module.received(b"AT+FOO\r", ready)] == [b"\r\nERROR\r\n"]
    assert module.problems == ["the 4G LE910 has no command 'AT+FOO'"]
    # a data context on another APN than the network serves is refused
    module.received(b'AT+CGDCONT=1,"IP","other.apn"\r', ready)
    assert [r.data for r in module.received(b"AT#GPRS=1\r", ready)] == [b"\r\nERROR\r\n"]
    assert "the network serves 'internet.test'" in module.problems[-1]
    # no TCP ingest: the connection is refused
    module.received(f'AT+CGDCONT=1,"IP","{_APN}"\r'.encode(), ready)
    (attached,) = module.received(b"AT#GPRS=1\r", ready)
    assert attached.data == b"\r\n+IP: 10.64.12.7\r\n\r\nOK\r\n"
    assert [r.data for r in module.received(b'AT#SD=1,0,9000,"h",0,9000,1\r', ready)] == [
        b"\r\nERROR\r\n"
    ]
    assert internet.log == ["tcp://h:9000 → refused (the gateway has no TCP ingest)"]
    internet.close()


def _started(internet: Internet, *, pin: str | None = None) -> tuple[Cellular4GModule, int]:
    """A module powered, started, its echo off, on the network with its data context."""
    module = Cellular4GModule(internet, apn=_APN, pin=pin, certificate=_CA)
    module.power(True, 0)
    ready = 10 * CLOCK_HZ
    module.received(b"ATE0\r", ready)
    module.received(f'AT+CGDCONT=1,"IP","{_APN}"\rAT#GPRS=1\r'.encode(), ready)
    return module, ready


def _said(replies: list[Reply]) -> bytes:
    return b"".join(reply.data for reply in replies)


def test_malformed_commands_are_refused_not_raised() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    module, ready = _started(internet)
    for line in (
        'AT#HTTPCFG=0,"h",\xb2\xb2\r',  # digits to isdigit(), not to int()
        'AT#SD=1,0,9\xb2,"h",0,9,1\r',
        "AT#SSLSECCFG=1,0,\xb9\r",
        'AT#SSLD=1,4\xb3,"h",0,1\r',
        'AT#SSENDEXT=1,"\n"x\r',  # arguments csv cannot split
    ):
        assert _said(module.received(line.encode("latin-1"), ready)).endswith(b"ERROR\r\n")
    internet.close()


def test_what_follows_an_unknown_command_is_not_reported() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    module, ready = _started(internet)
    module.received(b'AT#EPASSW="a-secret-password"\r', ready)
    assert module.problems == ["the 4G LE910 has no command 'AT#EPASSW'"]
    assert "secret" not in " ".join(module.problems)
    internet.close()


def test_a_ca_of_another_length_than_announced_is_refused() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    module, ready = _started(internet)
    (prompt,) = module.received(b"AT#SSLSECDATA=1,1,1,10\r", ready)
    assert prompt.data == b"\r\n> "
    assert _said(module.received(b"0123456789AB\x1a", ready)) == b"\r\nERROR\r\n"
    assert module.ip.stored_ca is None
    assert module.problems == ["a CA certificate of 12 bytes, 10 announced"]
    # ESC cancels a block: nothing stored, and the module takes commands again
    module.received(b"AT#SSLSECDATA=1,1,1,4\r", ready)
    assert _said(module.received(b"ABCD\x1bAT\r", ready)) == b"\r\nOK\r\n\r\nOK\r\n"
    assert module.ip.stored_ca is None
    internet.close()


def test_a_request_the_gateway_does_not_store_fails_and_none_leaves_it(tmp_path: Path) -> None:
    frame = _frame(3).hex().upper()
    with local_gateway() as gateway:
        internet = gateway.internet()
        module, ready = _started(internet)
        module.received(b'AT#HTTPCFG=0,"gateway.test",80\r', ready)
        # a path the gateway does not serve: the program gets 404, the frame no receipt
        ring = module.received(f'AT#HTTPQRY=0,0,"/nowhere?frame={frame}"\r'.encode(), ready)
        assert b"#HTTPRING: 0,404," in _said(ring)
        (delivery,) = module.deliveries
        assert delivery.stored is not None
        assert delivery.stored.status == "http 404"
        # an absolute URL would leave the gateway: refused
        module.received(f'AT#HTTPQRY=0,0,"http://127.0.0.1:9/x?frame={frame}"\r'.encode(), ready)
        assert len(module.deliveries) == 1
        assert "refused (not a path)" in internet.log[-1]
        internet.close()


def test_each_line_on_a_tcp_connection_is_a_delivery_of_its_cycle() -> None:
    with local_gateway() as gateway:
        internet = gateway.internet()
        module, ready = _started(internet)
        module.received(b'AT#SD=1,0,9100,"gateway.test",0,9100,1\r', ready)
        first, second = (_frame(n).hex().upper() + "\n" for n in (5, 6))
        for data, at in ((first, ready), (second, ready + CLOCK_HZ)):
            module.received(f"AT#SSENDEXT=1,{len(data)}\r".encode(), at)
            assert _said(module.received(data.encode(), at)) == b"\r\nOK\r\n"
        module.power(False, ready + 2 * CLOCK_HZ)  # the connection closes with the power
        internet.close()
    assert [d.cycle for d in module.deliveries] == [ready, ready + CLOCK_HZ]
    assert [d.stored and d.stored.status for d in module.deliveries] == ["ok", "ok"]
