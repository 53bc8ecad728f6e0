"""The Sigfox module model with a node written here in plain avr-libc (CI has no Waspmote
API): the node checks the module, reads its region and ID and sends a message each cycle;
a message longer than 12 bytes is refused; the gateway stores each message as the Sigfox
backend's callback delivers it, under the node the module's ID is registered for."""

from __future__ import annotations

from pathlib import Path

from openpcs.frames.codec import decode_any
from openpcs.frames.split import split_tiny
from openpcs.twin.gateway_link import local_gateway
from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.sigfox import SigfoxModule
from tests.twin.test_harness import _built
from tests.twin.test_xbee import _frame, _write_payload

_SERIAL = "2C0B7E2D4A9123CD"
_TINY = split_tiny(_frame(), 12).parts[0]


def _run(out: Path, cycles: int) -> tuple[SigfoxModule, NodeWorld]:
    _write_payload(out, _TINY)
    program, _ = _built("sigfox_node", out)
    module = SigfoxModule("4A9123CD")
    world = NodeWorld(bytes.fromhex(_SERIAL), module, cycles=cycles)
    result = run_program(program, cycles=120 * CLOCK_HZ, world=world, cache_root=out)
    assert result.stop.reason is StopReason.ASKED
    return module, world


def test_a_sigfox_node_sends_a_message_each_cycle(tmp_path: Path) -> None:
    module, world = _run(tmp_path, 2)
    assert [line.text for line in world.console.lines] == ["A OK R 1 I 4A9123CD S OK L ERROR"] * 2
    assert [d.payload for d in module.deliveries] == [_TINY, _TINY]
    assert [d.meta["seq_number"] for d in module.deliveries] == ["0", "1"]
    assert module.problems == ["a message of 26 hex digits (at most 24, even)"] * 2
    # a message is on the air about six seconds before the module says OK
    first = world.cycle_starts[0]
    assert module.deliveries[0].cycle - first < CLOCK_HZ
    assert world.sleeps_at[0] - module.deliveries[0].cycle > 6 * CLOCK_HZ


def test_the_module_refuses_what_it_does_not_know() -> None:
    module = SigfoxModule("4A9123CD")
    assert module.received(b"AT\r", 0) == []  # not powered
    module.power(True, 0)
    (answer,) = module.received(b"AT$RC\r", 0)
    assert answer.data == b"\r\nERROR\r\n"
    assert module.problems == ["the Sigfox TD1207 has no command 'AT$RC'"]
    (odd,) = module.received(b"AT$SF=ABC\r", 0)
    assert odd.data == b"\r\nERROR\r\n"
    assert module.deliveries == []
    half = module.received(b"AT$SF=01", 0)
    module.power(False, 0)  # the half command is lost with the power
    module.power(True, 0)
    assert half == []
    assert [r.data for r in module.received(b"02\rAT\r", 0)] == [b"\r\nERROR\r\n", b"\r\nOK\r\n"]


def test_the_gateway_stores_a_message_as_the_sigfox_backend_delivers_it(tmp_path: Path) -> None:
    module, _ = _run(tmp_path, 1)
    with local_gateway() as gateway:
        gateway.register(_SERIAL, {}, module.aliases)
        stored = gateway.deliver(module.deliveries[0])
        readings = gateway.readings(_SERIAL)
    assert (stored.status, stored.readings) == ("ok", 2)
    sent = {f.tag: f.value for f in decode_any(_TINY).fields}
    assert {r["sensor"]: r["value"] for r in readings} == sent
