"""The JP/KR LoRaWAN module (ABZ) model, with a node written here in plain avr-libc (CI has no
Waspmote API): the node asks for the module as the API does, sets it up from its factory
state on the AS923 band, joins OTAA every cycle and sends an uplink; the network accepts each
new session's counters, and hears nothing from a module left on its factory band."""

from __future__ import annotations

from pathlib import Path

from openpcs.frames.codec import decode_any
from openpcs.twin.gateway_link import local_gateway
from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.lorawan_abz import AbzModule
from openpcs.twin.radios.lorawan_network import LoRaNetwork, Registration
from tests.twin.test_harness import _built
from tests.twin.test_xbee import _frame, _write_payload

_SERIAL = "2C0B7E2D4A9123CD"
_DEV_EUI = "0004A30B001C0545"
_APP_EUI = "70B3D57ED0001234"
_APP_KEY = "000102030405060708090A0B0C0D0E0F"


def _module(app_key: str = _APP_KEY, band: str = "as923") -> AbzModule:
    network = LoRaNetwork(Registration(_DEV_EUI, _APP_EUI, app_key))
    return AbzModule("jp_kr", network, _DEV_EUI, band)


def _say(module: AbzModule, command: str) -> list[str]:
    return [r.data.decode() for r in module.received(f"{command}\r".encode(), 0)]


def _run(out: Path, cycles: int, *defines: str) -> tuple[AbzModule, NodeWorld]:
    _write_payload(out, _frame())
    program, _ = _built("abz_node", out, *defines)
    module = _module()
    world = NodeWorld(bytes.fromhex(_SERIAL), module, cycles=cycles)
    result = run_program(program, cycles=120 * CLOCK_HZ, world=world, cache_root=out)
    assert result.stop.reason is StopReason.ASKED
    return module, world


def test_a_node_that_joins_every_cycle_sends_each_uplink(tmp_path: Path) -> None:
    module, world = _run(tmp_path, 3)
    assert [line.text for line in world.console.lines] == [
        "D +OK=ABZ-093 J +EVENT=1,1 T +OK C +OK=1,0"
    ] * 3
    # each join is a new session, whose first uplink counts 0
    assert [(u.counter, u.refusal) for u in module.uplinks] == [(0, None)] * 3
    assert module.network.joins == 3
    assert [d.meta["dev_eui"] for d in module.deliveries] == [_DEV_EUI] * 3
    assert module.deliveries[0].payload == _frame()
    assert module.problems == []


def test_a_module_left_on_its_factory_band_is_not_heard(tmp_path: Path) -> None:
    """A program that forgets setBand(): the module says +OK to the uplink, but it went out
    on EU868 and the AS923 network never hears it."""
    module, world = _run(tmp_path, 1, "NO_BAND")
    assert world.console.lines[0].text.endswith("T +OK C +OK=1,0")
    assert module.deliveries == []
    assert "an uplink on EU868, where the network does not listen (it listens on AS923)" in str(
        module.uplinks[0].refusal
    )


def test_the_module_answers_as_the_api_expects() -> None:
    module = _module()
    assert _say(module, "at+dev?") == []  # not powered: hears nothing
    module.power(True, 0)
    assert _say(module, "sys get ver\r\nat+dev?") == ["+OK=ABZ-093\r\n"]  # the first is noise
    assert _say(module, "at+deveui?") == [f"+OK={_DEV_EUI}\r\n"]
    assert _say(module, "at+band?") == ["+OK=5\r\n"]  # EU868 from the factory
    assert _say(module, "at+band=3") == ["+ERR=-3\r\n"]
    assert _say(module, "at+band=6") == ["+OK\r\n", "+EVENT=0,0\r\n"]
    assert _say(module, "at+band=0") == ["+OK\r\n", "+EVENT=0,0\r\n"]
    assert _say(module, "at+appkey=0011") == ["+ERR=-3\r\n"]
    assert _say(module, "at+appkey?") == ["+ERR=-1\r\n"]  # never told
    assert _say(module, f"at+appeui={_APP_EUI}") == ["+OK\r\n"]
    assert _say(module, f"at+appkey={_APP_KEY}") == ["+OK\r\n"]
    assert _say(module, "at+putx 3,2\r00") == ["+ERR=-5\r\n"]  # ABP without its keys
    assert _say(module, "at+mode=1") == ["+OK\r\n"]
    assert _say(module, "at+putx 3,2\r00") == ["+ERR=-5\r\n"]  # OTAA, not joined
    assert _say(module, "at+join") == ["+OK\r\n", "+EVENT=1,1\r\n"]
    assert _say(module, "at+dr=0") == ["+OK\r\n"]
    assert _say(module, "at+msize?") == ["+OK=51\r\n"]
    assert _say(module, "at+putx 3," + str(2 * 52) + "\r" + "00" * 52) == ["+ERR=-12\r\n"]
    assert _say(module, "at+putx 224,2\r") == ["+ERR=-3\r\n"]
    assert _say(module, "at+pctx 3,4\r0A0B") == ["+OK\r\n", "+ACK\r\n"]
    assert _say(module, "at+frmcnt?") == ["+OK=1,0\r\n"]
    assert _say(module, "at+rfq?") == ["+ERR=-1\r\n"]
    assert module.problems == [
        "the LoRaWAN ABZ has no query at+appkey?",
        "the LoRaWAN ABZ sent before joining",
        "the LoRaWAN ABZ sent before joining",
        "the LoRaWAN ABZ has no query at+rfq?",
    ]
    module.power(False, 0)  # the join goes with the power, the settings stay
    module.power(True, 0)
    assert _say(module, "at+band?") == ["+OK=0\r\n"]
    assert _say(module, "at+putx 3,2\r00") == ["+ERR=-5\r\n"]
    assert _say(module, "at+facnew") == ["+OK\r\n", "+EVENT=0,1\r\n", "+EVENT=0,0\r\n"]
    assert _say(module, "at+band?") == ["+OK=5\r\n"]
    assert _say(module, "at+frmcnt=4294967295,0") == ["+OK\r\n"]
    assert _say(module, "at+frmcnt=4294967296,0") == ["+ERR=-3\r\n"]
    # setEUI() overwrites the module's own EUI: taken, and said
    assert _say(module, "at+deveui=0011223344556677") == ["+OK\r\n"]
    assert _say(module, "at+deveui?") == ["+OK=0011223344556677\r\n"]
    assert "wrote the module's own DevEUI (0011223344556677" in module.problems[-1]


def _joined() -> AbzModule:
    module = _module()
    module.power(True, 0)
    for setting in (f"at+appeui={_APP_EUI}", f"at+appkey={_APP_KEY}", "at+mode=1", "at+band=0"):
        module.received(f"{setting}\r".encode(), 0)
    module.received(b"at+join\r", 0)
    return module


def test_digits_beyond_the_announced_count_are_dropped_and_said() -> None:
    """The API's char* send overloads announce bytes where the module counts hex digits: the
    uplink goes out cut, the rest is dropped (not taken for the next command), and said."""
    module = _joined()
    assert _say(module, "at+putx 3,2\r0A0B0C") == ["+OK\r\n"]
    assert module.uplinks[-1].payload == bytes([0x0A])
    assert _say(module, "at+frmcnt?") == ["+OK=1,0\r\n"]
    assert module.problems[-1].startswith("4 hex digits more than the send command announced")
    # a refused send's payload is dropped as well; the digits may come one write at a time
    assert _say(module, "at+putx 0,2") == ["+ERR=-3\r\n"]
    for digit in b"AB":
        assert module.received(bytes([digit]), 0) == []
    assert [r.data for r in module.received(b"at\r", 0)] == [b"+OK\r\n"]
    assert module.problems[-1].startswith("2 hex digits more")


def test_a_line_that_never_ends_is_dropped() -> None:
    module = _joined()
    assert module.received(b"x" * 1300, 0) == []
    assert module.problems[-1] == "1300 bytes with no CR: dropped"
    assert _say(module, "at") == ["+OK\r\n"]


def test_a_payload_split_over_several_writes_is_read_whole() -> None:
    module = _joined()
    assert module.received(b"at+putx 3,6\r0A", 0) == []
    assert module.received(b"0B", 0) == []
    (done,) = module.received(b"0Cat", 0)
    assert done.data == b"+OK\r\n"
    assert module.uplinks[0].payload == bytes.fromhex("0A0B0C")
    assert [r.data for r in module.received(b"\r", 0)] == [b"+OK\r\n"]  # the next command


def test_a_join_with_another_app_key_fails() -> None:
    module = _module(app_key="FF" * 16)
    module.power(True, 0)
    for setting in (f"at+appeui={_APP_EUI}", f"at+appkey={_APP_KEY}", "at+mode=1"):
        module.received(f"{setting}\r".encode(), 0)
    ok, failed = module.received(b"at+join\r", 0)
    assert (ok.data, failed.data) == (b"+OK\r\n", b"+EVENT=1,0\r\n")
    assert 5 * CLOCK_HZ < failed.cycle < 6 * CLOCK_HZ
    assert "not the registered AppKey" in module.problems[0]


def test_the_gateway_stores_an_uplink_as_a_network_server_delivers_it(tmp_path: Path) -> None:
    module, _ = _run(tmp_path, 1)
    with local_gateway() as gateway:
        gateway.register(_SERIAL, {}, [f"lorawan:{_DEV_EUI}"])
        stored = gateway.deliver(module.deliveries[0])
        readings = gateway.readings(_SERIAL)
    assert (stored.status, stored.readings) == ("ok", 3)
    sent = {f.tag: f.value for f in decode_any(_frame()).fields}
    assert {r["sensor"]: r["value"] for r in readings} == sent
