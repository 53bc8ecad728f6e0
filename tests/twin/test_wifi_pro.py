"""The WiFi PRO module model with a node written here in plain avr-libc (CI has no Waspmote
API): the node starts the module in socket 0, stores the access point, asks whether it joined
and sends a frame two ways (an HTTP GET, a TCP socket), each reaching the twin's gateway while
the node runs; with another key the module does not join. The module echoes each command,
ignores the USB console's text, and checks the CA before a TLS link."""

from __future__ import annotations

from pathlib import Path

from openpcs.twin.gateway_link import GatewayClient, local_gateway
from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.internet import Internet
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.wifi_pro import WifiProModule
from tests.twin.test_harness import _built
from tests.twin.test_le910 import _CA, _OTHER_CA, _SERIAL, _c_string, _frame, write_frame_header

_ESSID = "orchard"
_KEY = "pear-tree-42"


def _write_header(out: Path, key: str) -> None:
    write_frame_header(out, f"#define ESSID {_c_string(_ESSID)}\n#define KEY {_c_string(key)}\n")


def _module(internet: Internet) -> WifiProModule:
    return WifiProModule(internet, essid=_ESSID, security="wpa2", password=_KEY, certificate=_CA)


def _run(
    out: Path, gateway: GatewayClient, *, cycles: int, key: str = _KEY
) -> tuple[WifiProModule, NodeWorld]:
    _write_header(out, key)
    program, _ = _built("wifi_node", out)
    internet = gateway.internet()
    module = _module(internet)
    world = NodeWorld(bytes.fromhex(_SERIAL), module, cycles=cycles)
    try:
        result = run_program(program, cycles=300 * CLOCK_HZ, world=world, cache_root=out)
    finally:
        internet.close()
    assert result.stop.reason is StopReason.ASKED, result.stop.text
    return module, world


def test_a_wifi_node_reaches_the_gateway_two_ways(tmp_path: Path) -> None:
    with local_gateway() as gateway:
        module, world = _run(tmp_path, gateway, cycles=2)
        readings = gateway.readings(_SERIAL)
    assert [line.text for line in world.console.lines] == [
        "J 4 A 192.168.1.50 H ok 1 T OK",
        "J 4 A 192.168.1.50 H ok 3 T OK",
    ]
    assert module.problems == []
    ways = [(d.to.split(":")[0], d.stored and d.stored.status) for d in module.deliveries]
    assert ways == [("http", "ok"), ("tcp", "ok")] * 2
    assert [d.payload for d in module.deliveries] == [_frame(n) for n in range(4)]
    assert len(readings) == 4 * 3
    assert [world.cycle_of(d.cycle) for d in module.deliveries] == [1, 1, 2, 2]


def test_with_another_key_the_module_does_not_join(tmp_path: Path) -> None:
    with local_gateway() as gateway:
        module, world = _run(tmp_path, gateway, cycles=1, key="apple-tree-41")
    (line,) = [line.text for line in world.console.lines]
    assert line == "J 0 A 0.0.0.0 H none T NO"
    assert module.deliveries == []
    assert module.problems == ["a link before joining", "a socket before joining"]


def test_the_module_echoes_ignores_the_console_and_checks_the_ca() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    module = _module(internet)
    assert module.received(b"AT+i\r", 0) == []  # off
    module.power(True, 0)
    assert module.received(b"AT+i\r", CLOCK_HZ // 10) == []  # still starting
    ready = CLOCK_HZ
    echo, ok = module.received(b"AT+i\r", ready)
    assert (echo.data, ok.data) == (b"AT+i\r\n", b"I/OK\r\n")
    # the USB console's text reaches the module while the API prints: ignored
    assert module.received(b"Sleeping 00:00:20:00\r\n", ready) == []
    for setting in (f"AT+iWLSI={_ESSID}", "AT+iWST0=4", f"AT+iWPP0={_KEY}"):
        module.received(f"{setting}\r".encode(), ready)
    assert module.received(b"AT+iRP10\r", ready)[1].data == b"I/(4,54,80,90)\r\n"
    # a TLS link needs the destination's CA, stored as AT+iCA= and the PEM (not echoed)
    link = b'AT+iRLNK="https://gateway.test:443/x"\r'
    assert module.received(link, ready)[1].data == b"I/ERROR (001)\r\n"
    other = _OTHER_CA.replace("\n", "\r").encode()
    assert [r.data for r in module.received(b"AT+iCA=" + other, ready)] == [b"I/OK\r\n"]
    assert module.received(link, ready)[1].data == b"I/ERROR (001)\r\n"
    assert module.problems == [
        "TLS to gateway.test:443: no CA certificate stored",
        "TLS to gateway.test:443: the stored CA certificate is not the destination's",
    ]
    # the settings stay without power; AT+iFD forgets them
    module.power(False, ready)
    module.power(True, ready)
    later = 2 * CLOCK_HZ
    assert module.received(b"AT+iRP10\r", later)[1].data == b"I/(4,54,80,90)\r\n"
    module.received(b"AT+iFD\r", later)
    assert module.received(b"AT+iRP10\r", later)[1].data == b"I/(0,0,0,0)\r\n"
    internet.close()


def _joined(internet: Internet, **access: str) -> tuple[WifiProModule, int]:
    """A module started, told the access point ``access`` (setting name: value)."""
    module = WifiProModule(
        internet,
        essid=_ESSID,
        security=access.pop("security", "wpa2"),
        password=access.pop("password", _KEY),
        certificate=_CA,
    )
    module.power(True, 0)
    ready = CLOCK_HZ
    for name, value in {"AT+iWLSI": _ESSID, **access}.items():
        module.received(f"{name}={value}\r".encode(), ready)
    return module, ready


def _answer(module: WifiProModule, line: bytes, cycle: int) -> bytes:
    return b"".join(reply.data for reply in module.received(line, cycle)[1:])


def test_wep_and_open_access_points_are_joined_with_their_settings() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    wep, ready = _joined(
        internet,
        security="wep128",
        password="0123456789",
        **{"AT+iWST0": "2", "AT+iWKY0": "0123456789"},
    )
    assert _answer(wep, b"AT+iRP10\r", ready) == b"I/(4,54,80,90)\r\n"
    wrong, ready = _joined(
        internet,
        security="wep128",
        password="0123456789",
        **{"AT+iWST0": "2", "AT+iWKY0": "9876543210"},
    )
    assert _answer(wrong, b"AT+iRP10\r", ready) == b"I/(0,0,0,0)\r\n"
    plain, ready = _joined(internet, security="open", password="", **{"AT+iWST0": "0"})
    assert _answer(plain, b"AT+iRP10\r", ready) == b"I/(4,54,80,90)\r\n"
    # the soft reset answers I/OK, then I/ONLINE once the module is back
    ok, online = plain.received(b"AT+iDOWN\r", ready)[1:]
    assert (ok.data, online.data) == (b"I/OK\r\n", b"I/ONLINE\r\n")
    assert online.cycle > ok.cycle
    internet.close()


def test_urls_and_addresses_the_module_cannot_read_are_refused_not_raised() -> None:
    internet = Internet("http://127.0.0.1:9", None)
    module, ready = _joined(internet, **{"AT+iWST0": "4", "AT+iWPP0": _KEY})
    for line in (
        b'AT+iRLNK="http://host:99999/x"\r',
        b'AT+iRLNK="http://host:abc/x"\r',
        b'AT+iRLNK="ftp://host:21/x"\r',
        b'AT+iRLNK="http://[::1/x"\r',
        b"AT+iSTCP:host,70000\r",
        b"AT+iSTCP:host,\xb2\r",
    ):
        assert _answer(module, line, ready) == b"I/ERROR (001)\r\n"
    # an IPv6 address as the API writes it (no brackets): the port follows the last colon
    module.received(b'AT+iRLNK="http://2001:db8::1:8080/x?frame=00"\r', ready)
    assert internet.log[-1].startswith("GET http://2001:db8::1:8080/x?frame=00 → no answer")
    internet.close()


def test_a_tls_socket_with_the_destinations_ca_delivers_its_request(tmp_path: Path) -> None:
    frame = _frame(9).hex().upper()
    with local_gateway() as gateway:
        internet = gateway.internet()
        module, ready = _joined(internet, **{"AT+iWST0": "4", "AT+iWPP0": _KEY})
        module.received(b"AT+iCA=" + _CA.replace("\n", "\r").encode(), ready)
        assert _answer(module, b"AT+iSTCP:gateway.test,443\r", ready) == b"I/000\r\n"
        assert _answer(module, b"AT+iSSL=0\r", ready) == b"I/OK\r\n"
        request = f"GET /getpost_frame_parser.php?frame={frame} HTTP/1.1\r\n"
        for piece in (request, "Host: gateway.test\r\nAuthorization: Bearer k\r\n", "\r\n"):
            data = piece.encode()
            header = f"AT+iSSND%:0,{len(data)}:".encode()
            assert [r.data for r in module.received(header + data, ready)] == [b"I/OK\r\n"]
        (delivery,) = module.deliveries
        assert delivery.payload == _frame(9)
        assert delivery.stored is not None
        assert delivery.stored.status == "ok"
        # the TLS socket needed no TCP connection of its own to the gateway
        assert all(not said.startswith("tcp://") for said in internet.log)
        # a plain socket's bytes reach the TCP ingest, delivered when the power goes
        module.received(b"AT+iSCLS:0\r", ready)
        module.received(b"AT+iSTCP:gateway.test,9100\r", ready)
        line = (_frame(10).hex().upper() + "\n").encode()
        module.received(f"AT+iSSND%:0,{len(line)}:".encode() + line, ready)
        module.power(False, ready + CLOCK_HZ)
        internet.close()
    assert [d.stored and d.stored.status for d in module.deliveries] == ["ok", "ok"]
    assert module.problems == []
