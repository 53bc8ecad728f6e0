"""The XBee model with a node written here in plain avr-libc (CI has no Waspmote API): AT
frames answered, the transmit request put on the air and its status given, UART0 shared with
the USB console by the multiplexer line, two cycles with deep sleep between, and what was sent
stored by a gateway as the one it would reach."""

from __future__ import annotations

from pathlib import Path

from openpcs.frames.codec import decode_any
from openpcs.frames.document import encode_document
from openpcs.ncd.api import wrap
from openpcs.twin.gateway_link import local_gateway
from openpcs.twin.harness import CLOCK_HZ, RunResult, StopReason, run_program
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.xbee import XBeeModule
from tests.twin.test_harness import _built

_SERIAL = "2C0B7E2D4A9123CD"
_OWN = bytes.fromhex("0013A200412D4A91")


def _frame() -> bytes:
    return encode_document(
        {
            "serial": _SERIAL,
            "node_name": "twin",
            "sequence": 7,
            "fields": [{"TC": 21.5}, {"HUM": 48.25}, {"BAT": 87}],
        }
    )


def _write_payload(out: Path, payload: bytes) -> None:
    body = ", ".join(f"0x{b:02X}" for b in payload)
    (out / "payload.h").write_text(
        f"static const unsigned char PAYLOAD[{len(payload)}] = {{ {body} }};\n"
    )


def _run(out: Path, payload: bytes, cycles: int) -> tuple[XBeeModule, NodeWorld, RunResult]:
    """The XBee node built with ``payload`` and run for ``cycles`` cycles."""
    _write_payload(out, payload)
    program, _ = _built("xbee_node", out)
    module = XBeeModule("xbee_802_15_4", _OWN)
    world = NodeWorld(bytes.fromhex(_SERIAL), module, cycles=cycles)
    result = run_program(program, cycles=60 * CLOCK_HZ, world=world, cache_root=out)
    return module, world, result


def test_an_xbee_node_sends_each_cycle_and_hears_its_answers(tmp_path: Path) -> None:
    payload = _frame()
    module, world, result = _run(tmp_path, payload, 2)
    # the radio's bytes never reached the console, the console's never reached the radio
    assert [line.text for line in world.console.lines] == ["AT 00 00 TX 00"] * 2
    assert [d.payload for d in module.deliveries] == [payload, payload]
    assert module.deliveries[0].to == "0013A2004133471A"
    assert module.settings["CH"] == b"\x0c"
    assert module.written["CH"] == b"\x0c"
    assert module.problems == []
    assert result.stop.reason is StopReason.ASKED  # at the second sleep: two cycles
    assert len(world.cycle_starts) == 2
    slept = (world.cycle_starts[1] - world.sleeps_at[0]) / CLOCK_HZ
    assert 8 < slept <= 10  # until the alarm, ten seconds on the clock after the last one


def test_a_frame_with_a_wrong_checksum_is_dropped_and_said() -> None:
    module = XBeeModule("xbee_802_15_4", _OWN)
    module.power(True, 0)
    bad = bytearray(wrap(bytes((0x08, 0x52)) + b"CH\x0c"))
    bad[-1] ^= 0xFF
    assert module.received(bytes(bad), 0) == []
    assert len(module.problems) == 1
    assert "checksum" in module.problems[0]
    unknown = module.received(wrap(bytes((0x08, 0x52)) + b"ZZ", escaped=True), 0)
    assert unknown[0].data[7] == 2  # status: invalid command
    silent = XBeeModule("xbee_802_15_4", _OWN)  # not powered: hears nothing
    assert silent.received(wrap(bytes((0x08, 0x52)) + b"CH"), 0) == []


def test_the_gateway_stores_what_the_twin_s_xbee_delivered(tmp_path: Path) -> None:
    payload = _frame()
    module, _, _ = _run(tmp_path, payload, 1)
    with local_gateway() as gateway:
        stored = gateway.deliver(module.deliveries[0])
        readings = gateway.readings(_SERIAL)
    assert stored.status == "ok"
    assert stored.readings == 3
    sent = {f.tag: f.value for f in decode_any(payload).fields}
    assert {r["sensor"]: r["value"] for r in readings} == sent
