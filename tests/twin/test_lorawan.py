"""The LoRaWAN module model and its network server, with a node written here in plain
avr-libc (CI has no Waspmote API): the node sets the module up, joins OTAA, resumes the saved
session each cycle and sends an uplink; the network refuses a frame counter it has seen, as a
network server does, and the gateway stores what it accepted as a network server's webhook
delivers it."""

from __future__ import annotations

from pathlib import Path

import pytest

from openpcs.frames.codec import decode_any
from openpcs.frames.document import encode_document
from openpcs.frames.split import split_tiny
from openpcs.twin.gateway_link import local_gateway
from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.lorawan import LoRaWANModule
from openpcs.twin.radios.lorawan_network import LoRaNetwork, Registration
from openpcs.twin.radios.module import Delivery
from tests.twin.test_harness import _built
from tests.twin.test_xbee import _frame, _write_payload

_SERIAL = "2C0B7E2D4A9123CD"
_DEV_EUI = "0004A30B001C0530"
_APP_EUI = "70B3D57ED0001234"
_APP_KEY = "000102030405060708090A0B0C0D0E0F"


def _module(app_key: str = _APP_KEY) -> LoRaWANModule:
    network = LoRaNetwork(Registration(_DEV_EUI, _APP_EUI, app_key))
    return LoRaWANModule("eu", network, "0004A30B00FFFFFF")


def _run(out: Path, cycles: int, *defines: str) -> tuple[LoRaWANModule, NodeWorld]:
    _write_payload(out, _frame())
    program, _ = _built("lorawan_node", out, *defines)
    module = _module()
    world = NodeWorld(bytes.fromhex(_SERIAL), module, cycles=cycles)
    result = run_program(program, cycles=120 * CLOCK_HZ, world=world, cache_root=out)
    assert result.stop.reason is StopReason.ASKED
    return module, world


def test_a_node_that_keeps_its_counters_sends_each_uplink_with_the_next(tmp_path: Path) -> None:
    module, world = _run(tmp_path, 3, "SAVE_AFTER_TX")
    assert [line.text for line in world.console.lines] == [
        "V1 J accepted T mac_tx_ok U 1",
        "V1 J accepted T mac_tx_ok U 2",
        "V1 J accepted T mac_tx_ok U 3",
    ]
    assert [u.counter for u in module.uplinks] == [0, 1, 2]
    assert [u.refusal for u in module.uplinks] == [None] * 3
    assert [d.meta["f_cnt"] for d in module.deliveries] == ["0", "1", "2"]
    assert module.deliveries[0].payload == _frame()
    assert module.problems == []


def test_a_node_that_loses_its_counters_is_refused_by_the_network(tmp_path: Path) -> None:
    """The defect the firmware issue fixed: counters lost with the socket's power make every
    uplink after the first reuse counter 0, and the network server drops them as replays,
    while the module itself says mac_tx_ok."""
    module, world = _run(tmp_path, 3)
    assert [line.text.split(" T ")[1] for line in world.console.lines] == ["mac_tx_ok U 1"] * 3
    assert [u.counter for u in module.uplinks] == [0, 0, 0]
    assert module.uplinks[0].refusal is None
    assert "uplink counter 0 repeated" in str(module.uplinks[1].refusal)
    assert len(module.deliveries) == 1
    assert sum("refused as a replay" in p for p in module.problems) == 2


def _say(module: LoRaWANModule, command: str) -> list[str]:
    return [r.data.decode() for r in module.received(f"{command}\r\n".encode(), 0)]


def test_the_module_answers_as_the_api_expects() -> None:
    module = _module()
    assert _say(module, "sys get ver") == []  # not powered: hears nothing
    module.power(True, 0)
    assert _say(module, "sys get ver") == ["RN2483 1.0.5\r\n"]
    assert _say(module, "mac tx uncnf 3 00") == ["not_joined\r\n"]
    assert _say(module, "mac join otaa") == ["keys_not_init\r\n"]  # AppEUI and AppKey unset
    assert _say(module, "mac set appkey 0011") == ["invalid_param\r\n"]
    assert _say(module, "mac set dr 7") == ["invalid_param\r\n"]  # EU data rates 0-6
    assert _say(module, "mac set ch status 16 on") == ["invalid_param\r\n"]
    assert _say(module, "mac get appkey") == ["invalid_param\r\n"]  # never told
    for setting in (f"deveui {_DEV_EUI}", f"appeui {_APP_EUI}", f"appkey {_APP_KEY}"):
        assert _say(module, f"mac set {setting}") == ["ok\r\n"]
    assert _say(module, "mac join otaa") == ["ok\r\n", "accepted\r\n"]
    assert _say(module, "mac get upctr") == ["0\r\n"]
    assert _say(module, "mac set dr 0") == ["ok\r\n"]
    assert _say(module, "mac tx uncnf 3 " + "00" * 52) == ["invalid_data_len\r\n"]  # DR0: 51
    assert _say(module, "mac tx uncnf 224 00") == ["invalid_param\r\n"]
    assert _say(module, "mac tx cnf 3 0A0B") == ["ok\r\n", "mac_tx_ok\r\n"]
    assert _say(module, "mac get upctr") == ["1\r\n"]
    assert _say(module, "mac pause") == ["4294967245\r\n"]
    assert _say(module, "radio rx 0") == ["invalid_param\r\n"]
    assert module.problems == ["the LoRaWAN RN2483 has no command 'radio rx 0'"]
    module.power(False, 0)  # nothing was saved: the session goes with the power
    module.power(True, 0)
    assert _say(module, "mac tx uncnf 3 00") == ["not_joined\r\n"]
    assert _say(module, "mac get deveui") == ["0004A30B00FFFFFF\r\n"]


def test_answers_come_when_the_module_would_give_them() -> None:
    module = _module()
    module.power(True, 0)
    for setting in (f"deveui {_DEV_EUI}", f"appeui {_APP_EUI}", f"appkey {_APP_KEY}"):
        module.received(f"mac set {setting}\r\n".encode(), 0)
    ok, accepted = module.received(b"mac join otaa\r\n", 0)
    assert ok.cycle < CLOCK_HZ // 100
    assert 5 * CLOCK_HZ < accepted.cycle < 6 * CLOCK_HZ
    _sent, done = module.received(b"mac tx uncnf 1 " + b"AB" * 20 + b"\r\n", 0)
    assert 2 * CLOCK_HZ < done.cycle < 3 * CLOCK_HZ  # air time at SF7 and both windows
    module.received(b"mac set dr 0\r\n", 0)
    _sent, slow = module.received(b"mac tx uncnf 1 " + b"AB" * 20 + b"\r\n", 0)
    assert slow.cycle > done.cycle + CLOCK_HZ  # SF12 takes well over a second more


def test_a_join_with_another_app_key_is_denied() -> None:
    module = _module(app_key="FF" * 16)
    module.power(True, 0)
    for setting in (f"deveui {_DEV_EUI}", f"appeui {_APP_EUI}", f"appkey {_APP_KEY}"):
        module.received(f"mac set {setting}\r\n".encode(), 0)
    assert _say(module, "mac join otaa") == ["ok\r\n", "denied\r\n"]
    assert "not the registered AppKey" in module.problems[0]
    assert _say(module, "mac tx uncnf 3 00") == ["not_joined\r\n"]


@pytest.mark.parametrize("keys", ["registered", "other"])
def test_an_abp_session_is_the_registered_one(keys: str) -> None:
    network = LoRaNetwork(
        Registration(_DEV_EUI, dev_addr="260B1234", nwk_skey="11" * 16, app_skey="22" * 16)
    )
    module = LoRaWANModule("eu", network, "0004A30B00FFFFFF")
    module.power(True, 0)
    nwk = "11" * 16 if keys == "registered" else "33" * 16
    for setting in ("devaddr 260B1234", f"nwkskey {nwk}", f"appskey {'22' * 16}"):
        assert _say(module, f"mac set {setting}") == ["ok\r\n"]
    assert _say(module, "mac join abp") == ["ok\r\n", "accepted\r\n"]
    assert _say(module, "mac tx cnf 3 00") == ["ok\r\n"] + (
        ["mac_tx_ok\r\n"] if keys == "registered" else ["mac_err\r\n"]
    )
    assert len(module.deliveries) == (1 if keys == "registered" else 0)


def test_the_gateway_stores_an_uplink_as_a_network_server_delivers_it(tmp_path: Path) -> None:
    module, _ = _run(tmp_path, 1, "SAVE_AFTER_TX")
    with local_gateway() as gateway:
        gateway.register(_SERIAL, {}, [f"lorawan:{_DEV_EUI}"])
        stored = gateway.deliver(module.deliveries[0])
        readings = gateway.readings(_SERIAL)
    assert (stored.status, stored.readings) == ("ok", 3)
    sent = {f.tag: f.value for f in decode_any(_frame()).fields}
    assert {r["sensor"]: r["value"] for r in readings} == sent


def test_the_gateway_reads_tiny_frames_with_the_table_the_twin_registers() -> None:
    """An Xtreme node's tiny frames (frame type 7) carry no type: the twin registers the
    node's table with the gateway, which stores TC_A and HUM_A, not the v15 ids' CO and O2."""
    document = {"serial": _SERIAL, "frame_type": 7, "fields": [{"TC_A": 21.5}, {"HUM_A": 40.0}]}
    (tiny,) = split_tiny(encode_document(document), 60).parts
    meta = {"dev_eui": _DEV_EUI, "f_cnt": "0", "f_port": "3", "dr": "5"}
    delivery = Delivery("LoRaWAN RN2483", "260B1234", tiny, 0, meta, "lorawan")
    with local_gateway() as gateway:
        gateway.register(_SERIAL, {}, [f"lorawan:{_DEV_EUI}"], tiny_table=7)
        stored = gateway.deliver(delivery)
        readings = gateway.readings(_SERIAL)
    assert stored.status == "ok"
    assert {r["sensor"]: r["value"] for r in readings} == {"TC_A": 21.5, "HUM_A": 40.0}
