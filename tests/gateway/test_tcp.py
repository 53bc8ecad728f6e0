"""TCP ingest end to end: hex lines and binary streams over real loopback sockets.

Every test talks to a running gateway through a socket, reads the reply lines
(``<id> <status>[ <reason>]``, one per frame, in order) and checks what was stored through
the query API.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import socket
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from openpcs.frames import make_field
from openpcs.gateway.ingest.tcp import TcpIngest
from openpcs.gateway.pipeline import Overloaded
from openpcs.gateway.records import Arrival, Receipt
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for

_TIMEOUT_S = 60.0
TYPICAL = {"TC": (21.37, "°C"), "HUM": (48.2, "%RH"), "BAT": (87, "%")}


@dataclass(frozen=True)
class Reply:
    """One reply line of the TCP adapter."""

    id: int
    status: str
    reason: str


def parse_reply(line: bytes) -> Reply:
    text = line.decode("utf-8").rstrip("\n")
    number, status, *rest = text.split(" ", 2)
    return Reply(int(number), status, rest[0] if rest else "")


class Client:
    """A TCP connection to the gateway that reads reply lines."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=_TIMEOUT_S)
        self._lines = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def replies(self, count: int) -> list[Reply]:
        """The next ``count`` reply lines (fails if the connection ends first)."""
        found = []
        for _ in range(count):
            line = self._lines.readline()
            assert line.endswith(b"\n"), f"connection ended after {len(found)} replies: {line!r}"
            found.append(parse_reply(line))
        return found

    def finish(self) -> list[Reply]:
        """Half-close, then every reply up to the end of the connection."""
        self.sock.shutdown(socket.SHUT_WR)
        rest = self._lines.read()
        assert rest == b"" or rest.endswith(b"\n"), rest
        return [parse_reply(line) for line in rest.splitlines(keepends=True)]

    def finish_raw(self) -> bytes:
        """Half-close, then everything the gateway sends up to the end of the connection."""
        self.sock.shutdown(socket.SHUT_WR)
        return self._lines.read()

    def close(self) -> None:
        self._lines.close()
        self.sock.close()


@pytest.fixture
def connect(gateway: RunningGateway) -> Iterator[Any]:
    """Open clients to the default gateway; all closed at the end of the test."""
    opened: list[Client] = []

    def open_client(running: RunningGateway = gateway) -> Client:
        client = Client(running.tcp_port)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Any]:
    """Start gateways with extra settings; each stopped at the end of the test."""
    running: list[RunningGateway] = []

    def start(**values: Any) -> RunningGateway:
        instance = RunningGateway(make_settings(tmp_path / f"gw{len(running)}", **values))
        running.append(instance)
        return instance

    yield start
    for instance in running:
        instance.stop()


def line(frame: bytes, end: bytes = b"\n") -> bytes:
    return frame.hex().upper().encode("ascii") + end


def by_frame(readings: list[dict[str, Any]]) -> dict[int, dict[str, tuple[Any, Any]]]:
    """Readings grouped by frame id: sensor → (value, unit)."""
    grouped: dict[int, dict[str, tuple[Any, Any]]] = {}
    for reading in readings:
        grouped.setdefault(reading["frame_id"], {})[reading["sensor"]] = (
            reading["value"],
            reading["unit"],
        )
    return grouped


def frame_view(gateway: RunningGateway, frame_id: int) -> dict[str, Any]:
    found: dict[str, Any] = gateway.get(f"/api/v1/frames/{frame_id}")
    return found


def error_frames(gateway: RunningGateway) -> dict[int, dict[str, Any]]:
    page = gateway.get("/api/v1/frames", status="error", limit=1000)
    return {item["id"]: item for item in page["items"]}


# --- hex lines ----------------------------------------------------------------------------


def test_hex_lines_are_answered_in_order_and_stored(gateway: RunningGateway, connect: Any) -> None:
    warm = f.fields(temperature=25.5, humidity=30.25, battery=64)
    client = connect()
    client.send(
        line(f.binary(1))
        + line(f.ascii_frame(2), b"\r\n")
        + b"\n"
        + b"   \r\n"
        + b"# a comment, skipped\n"
        + f.binary(3, values=warm).hex(" ").encode() + b"\r\n"  # spaces between bytes
        + f.binary(4).hex().encode() + b"\n"  # lower case
    )  # fmt: skip
    replies = client.replies(4)

    assert [r.status for r in replies] == ["ok", "ok", "ok", "ok"]
    assert [r.reason for r in replies] == ["", "", "", ""]
    ids = [r.id for r in replies]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4

    stored = by_frame(gateway.readings(serial=f.SERIAL))
    assert sorted(stored) == ids
    assert stored[ids[0]] == TYPICAL
    assert stored[ids[1]] == TYPICAL
    assert stored[ids[2]] == {"TC": (25.5, "°C"), "HUM": (30.25, "%RH"), "BAT": (64, "%")}
    assert stored[ids[3]] == TYPICAL

    first = frame_view(gateway, ids[0])
    assert first["adapter"] == "tcp"
    assert first["remote"] == "127.0.0.1"
    assert first["status"] == "ok"
    assert first["data"] == f.binary(1).hex().upper()
    assert first["serial"] == f.SERIAL
    assert first["node_name"] == f.NAME
    assert first["sequence"] == 1
    assert frame_view(gateway, ids[1])["data"] == f.ascii_frame(2).hex().upper()
    assert client.finish() == []


def test_last_line_without_a_line_end_is_taken_at_half_close(
    gateway: RunningGateway, connect: Any
) -> None:
    client = connect()
    client.send(line(f.binary(1)) + line(f.binary(2), b""))
    first = client.replies(1)
    assert first[0].status == "ok"
    rest = client.finish()

    assert len(rest) == 1
    assert rest[0].status == "ok"
    assert rest[0].id > first[0].id
    stored = by_frame(gateway.readings(serial=f.SERIAL))
    assert stored == {first[0].id: TYPICAL, rest[0].id: TYPICAL}
    assert frame_view(gateway, rest[0].id)["sequence"] == 2


def test_a_line_that_is_not_hex_is_answered_and_archived_as_an_error(
    gateway: RunningGateway, connect: Any
) -> None:
    client = connect()
    client.send(b"hello gateway\n" + line(f.binary(5)))
    bad, good = client.replies(2)

    assert bad.status == "error"
    assert bad.reason.startswith("not a hex frame: ")
    assert "'h'" in bad.reason
    assert good.status == "ok"
    assert good.id > bad.id

    archived = error_frames(gateway)
    assert list(archived) == [bad.id]
    assert archived[bad.id]["data"] == b"hello gateway".hex().upper()
    assert archived[bad.id]["error"] == bad.reason
    assert archived[bad.id]["adapter"] == "tcp"
    assert by_frame(gateway.readings()) == {good.id: TYPICAL}
    assert client.finish() == []


def _long_frame(sequence: int) -> bytes:
    """A valid frame whose hex line is longer than 200 characters."""
    values = [make_field("TC", 20.0 + i / 4) for i in range(20)]
    frame = f.binary(sequence, values=values)
    assert len(frame.hex()) > 240
    return frame


@pytest.mark.parametrize(
    "cuts",
    [(), (90, 180), (250,)],
    ids=["in-one-send", "in-sends-under-the-limit", "first-send-over-the-limit"],
)
def test_a_line_over_the_limit_is_an_error_and_the_next_line_is_read(
    started: Any, cuts: tuple[int, ...]
) -> None:
    running = started(limits={"max_line_bytes": 200})
    long_line = line(_long_frame(9), b"")
    client = Client(running.tcp_port)
    try:
        client.send(line(f.binary(1)))
        (before,) = client.replies(1)
        data = long_line + b"\n" + line(f.binary(2))
        for start, end in itertools.pairwise((0, *cuts, len(data))):
            client.send(data[start:end])
            time.sleep(0.05)  # lets the gateway read the pieces apart (either way must work)
        long_reply, after = client.replies(2)
        assert client.finish() == []
    finally:
        client.close()

    assert before.status == "ok"
    assert long_reply.status == "error"
    assert "longer than 200 bytes" in long_reply.reason
    assert after.status == "ok"
    assert before.id < long_reply.id < after.id

    archived = error_frames(running)
    assert list(archived) == [long_reply.id]
    kept = bytes.fromhex(archived[long_reply.id]["data"])
    start = long_line[:200]
    assert kept in (bytes.fromhex(start.decode()), start)  # as bytes, or as the text received
    assert by_frame(running.readings(serial=f.SERIAL)) == {before.id: TYPICAL, after.id: TYPICAL}


def test_an_over_long_comment_line_costs_no_frame(started: Any) -> None:
    running = started(limits={"max_line_bytes": 200})
    client = Client(running.tcp_port)
    try:
        client.send(line(f.binary(1)) + b"# " + b"a long remark " * 30)
        time.sleep(0.05)  # the comment's end comes in a later read
        client.send(b"and its end\n" + line(f.binary(2)))
        replies = client.finish()
    finally:
        client.close()

    assert [r.status for r in replies] == ["ok", "ok"]
    assert error_frames(running) == {}
    stored = by_frame(running.readings(serial=f.SERIAL))
    assert stored == {replies[0].id: TYPICAL, replies[1].id: TYPICAL}


def test_a_hex_connection_stays_hex_after_a_line_of_stray_bytes(
    gateway: RunningGateway, connect: Any
) -> None:
    client = connect()
    client.send(line(f.binary(1)))
    (first,) = client.replies(1)  # the gateway has read the first line: its buffer is empty
    client.send(b"\xb0\xff noise\n" + line(f.binary(2)))
    replies = client.finish()

    assert first.status == "ok"
    assert [r.status for r in replies] == ["error", "ok"]
    assert replies[0].reason.startswith("not a hex frame")
    stored = by_frame(gateway.readings(serial=f.SERIAL))
    assert stored == {first.id: TYPICAL, replies[1].id: TYPICAL}


def test_a_line_that_is_not_hex_is_archived_with_the_bytes_received(
    gateway: RunningGateway, connect: Any
) -> None:
    client = connect()
    client.send(line(f.binary(1)))
    client.replies(1)
    client.send(b"\xb0\xff noise\n")
    (reply,) = client.finish()

    assert reply.status == "error"
    assert error_frames(gateway)[reply.id]["data"] == b"\xb0\xff noise".hex().upper()


# --- binary stream ------------------------------------------------------------------------


def test_a_binary_stream_is_read_with_resynchronisation(
    gateway: RunningGateway, connect: Any
) -> None:
    other = f.fields(temperature=-3.5, humidity=91.0, battery=12)
    first, second, third = f.binary(1), f.ascii_frame(2), f.binary(3, values=other)
    lead, middle, tail = b"\x00\xff\x13noise", b"\x80junk between frames\x01", b"\xfe\xfdend"
    stream = lead + first + middle + second + third + tail
    pieces = [
        lead + first + middle + second[:5],  # binary from the first bytes
        second[5:9],
        second[9:20],
        second[20:] + third[:2],  # the delimiter cut in two
        third[2:],
        tail,
    ]
    assert b"".join(pieces) == stream
    client = connect()
    for piece in pieces:
        client.send(piece)
    replies = client.finish()

    assert [r.status for r in replies] == ["error", "ok", "error", "ok", "ok", "error"]
    ids = [r.id for r in replies]
    assert ids == sorted(ids)
    garbage = {
        ids[0]: (lead, 0),
        ids[2]: (middle, len(lead + first)),
        ids[5]: (tail, len(stream) - len(tail)),
    }
    archived = error_frames(gateway)
    assert sorted(archived) == sorted(garbage)
    for reply in replies:
        if reply.id not in garbage:
            continue
        raw, offset = garbage[reply.id]
        assert f"{len(raw)} bytes at stream offset {offset} " in reply.reason
        assert archived[reply.id]["data"] == raw.hex().upper()
        assert archived[reply.id]["error"] == reply.reason

    stored = by_frame(gateway.readings(serial=f.SERIAL))
    assert stored == {
        ids[1]: TYPICAL,
        ids[3]: TYPICAL,
        ids[4]: {"TC": (-3.5, "°C"), "HUM": (91.0, "%RH"), "BAT": (12, "%")},
    }
    assert frame_view(gateway, ids[3])["data"] == second.hex().upper()
    assert frame_view(gateway, ids[4])["sequence"] == 3


# --- volume, acknowledgements, duplicates -----------------------------------------------------


def test_five_thousand_lines_on_one_connection(gateway: RunningGateway, connect: Any) -> None:
    count = 5000
    lines: list[bytes] = []
    expected: list[str] = []
    for index in range(count):
        if index % 50 == 49:  # the previous line again
            lines.append(lines[-1])
            expected.append("duplicate")
            continue
        values = f.fields(temperature=10.0 + index / 100, humidity=40.0 + index % 7, battery=50)
        lines.append(line(f.binary(index % 256, values=values)))
        expected.append("ok")
    client = connect()
    sender = threading.Thread(target=client.send, args=(b"".join(lines),))
    sender.start()  # replies are read meanwhile, as a real client would
    try:
        replies = client.replies(count)
    finally:
        sender.join(_TIMEOUT_S)
    assert client.finish() == []

    assert [r.status for r in replies] == expected
    ids = [r.id for r in replies]
    assert ids == sorted(ids)
    assert len(set(ids)) == count
    readings = gateway.readings(serial=f.SERIAL)
    assert len(readings) == 3 * expected.count("ok")
    stored = by_frame(readings)
    assert set(stored) == {r.id for r in replies if r.status == "ok"}
    assert stored[ids[0]]["TC"] == (10.0, "°C")
    assert stored[ids[4998]]["TC"] == (59.98, "°C")
    assert stored[ids[4998]]["HUM"] == (40.0 + 4998 % 7, "%RH")


def test_without_acknowledgements_nothing_is_answered_but_frames_are_stored(
    started: Any,
) -> None:
    running = started(tcp={"ack": False})
    client = Client(running.tcp_port)
    try:
        client.send(line(f.binary(1)) + line(f.binary(2)) + b"not hex\n" + line(f.binary(3)))
        assert client.finish() == []
    finally:
        client.close()

    wait_for(lambda: len(running.readings(serial=f.SERIAL)) == 9)
    stored = by_frame(running.readings(serial=f.SERIAL))
    assert list(stored.values()) == [TYPICAL, TYPICAL, TYPICAL]
    assert len(error_frames(running)) == 1


def test_the_same_frame_twice_is_answered_duplicate(gateway: RunningGateway, connect: Any) -> None:
    client = connect()
    client.send(line(f.binary(7)) + line(f.binary(7), b"\r\n"))
    first, second = client.replies(2)
    assert client.finish() == []
    again = connect()
    again.send(line(f.binary(7)))
    (third,) = again.finish()

    assert first.status == "ok"
    assert first.reason == ""
    assert second.status == "duplicate"
    assert "deduplication window" in second.reason
    assert third.status == "duplicate"
    assert first.id < second.id < third.id
    assert by_frame(gateway.readings(serial=f.SERIAL)) == {first.id: TYPICAL}
    assert frame_view(gateway, second.id)["status"] == "duplicate"


# --- tokens and clients that do not read --------------------------------------------------


def test_a_required_token_opens_the_connection_with_its_first_line(started: Any) -> None:
    running = started(
        security={
            "ingest_token_required": True,
            "tokens": [{"name": "feeder", "scope": "ingest", "token": "feeder-token-0123456789"}],
        }
    )
    refused = Client(running.tcp_port)
    opened = Client(running.tcp_port)
    try:
        refused.send(line(f.binary(1)))
        assert refused.finish_raw() == (
            b"- unauthorized the first line must be 'token <an ingest token>'\n"
        )
        opened.send(b"token feeder-token-0123456789\n" + line(f.binary(2)))
        (reply,) = opened.replies(1)
        assert reply.status == "ok"
    finally:
        refused.close()
        opened.close()
    assert [x["sequence"] for x in running.get("/api/v1/frames")["items"]] == [2]


def test_frames_of_a_device_with_its_own_token_need_it_on_the_connection(started: Any) -> None:
    running = started(security={"ingest_token_required": False})
    with running.client() as admin:
        admin.put(
            f"/api/v1/devices/{f.SERIAL}", json={"ingest_token": "only-this-device-token"}
        ).raise_for_status()
    client = Client(running.tcp_port)
    try:
        client.send(line(f.binary(1)) + line(f.binary(2, serial="0011223344556677")))
        without, other = client.replies(2)
    finally:
        client.close()
    assert without.status == "error"
    assert without.reason == (
        f"device {f.SERIAL} sends frames with its own ingest token only; it came with none"
    )
    assert other.status == "ok"
    assert running.readings(serial=f.SERIAL) == []


def test_a_device_token_opens_a_connection_for_that_device_only(started: Any) -> None:
    for required in (True, False):
        running = started(security={"ingest_token_required": required})
        with running.client() as admin:
            admin.put(
                f"/api/v1/devices/{f.SERIAL}", json={"ingest_token": "only-this-device-token"}
            ).raise_for_status()
        client = Client(running.tcp_port)
        try:
            client.send(
                b"token only-this-device-token\n"
                + line(f.binary(1))
                + line(f.binary(2, serial="0011223344556677"))
            )
            own, other = client.replies(2)
        finally:
            client.close()
        assert own.status == "ok", required
        assert other.status == "error"
        assert other.reason == (
            f"the token is device {f.SERIAL}'s own: it sends that device's frames only"
        )


def test_a_client_that_reads_no_replies_is_disconnected(started: Any) -> None:
    running = started(tcp={"idle_timeout_s": 1.0})
    client = Client(running.tcp_port)
    client.sock.settimeout(2.0)
    block = line(f.binary(1)) * 1000

    def flood() -> int:
        """Send until the gateway stops taking bytes; how many frames went."""
        for sent in range(0, 100_000_000, 1000):
            try:
                client.send(block)
            except OSError:  # the gateway stopped reading (timeout), then dropped us (reset)
                return sent
        return -1

    try:
        sent = flood()
        wait_for(lambda: running.get("/api/v1/status")["tcp"]["open"] == 0)
    finally:
        client.close()
    assert sent >= 0
    assert running.get("/api/v1/frames", limit=1)["items"]  # what came in was stored


def test_stopping_with_connections_open_ends_them_without_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    running = RunningGateway(make_settings(tmp_path))
    idle = socket.create_connection(("127.0.0.1", running.tcp_port), timeout=_TIMEOUT_S)
    busy = socket.create_connection(("127.0.0.1", running.tcp_port), timeout=_TIMEOUT_S)
    try:
        busy.sendall(f.binary(1).hex().encode() + b"\n")
        assert busy.makefile("rb").readline().endswith(b" ok\n")
        wait_for(lambda: running.gateway.tcp is not None and running.gateway.tcp.connections == 2)
        with caplog.at_level(logging.DEBUG):
            running.stop()
        for sock in (idle, busy):
            assert sock.recv(1) == b""  # closed by the gateway
    finally:
        idle.close()
        busy.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_refused_batch_is_let_go_once_its_connection_ends() -> None:
    """The gateway collects cycles rarely (``gateway/collector.py``): a refused batch's
    exception must not keep the reply loop, and the batch with it, alive in a cycle."""
    batches: list[weakref.ref[asyncio.Future[list[Receipt]]]] = []

    def submit(_arrivals: Sequence[Arrival]) -> asyncio.Future[list[Receipt]]:
        refused: asyncio.Future[list[Receipt]] = asyncio.get_running_loop().create_future()
        refused.set_exception(Overloaded("too many frames are waiting; try again"))
        batches.append(weakref.ref(refused))
        return refused

    async def one_connection() -> bytes:
        ingest = TcpIngest(submit, max_frame=1024, max_line=4096)
        port = await ingest.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f.binary(1).hex().encode() + b"\n")
        await writer.drain()
        reply = await reader.readline()
        writer.close()
        await reader.read()  # the gateway's side closed too
        while ingest.open_connections:
            await asyncio.sleep(0.01)
        await ingest.stop()
        return reply

    gc.collect()
    gc.disable()
    try:
        reply = asyncio.run(one_connection())
        held = [batch for batch in batches if batch() is not None]
    finally:
        gc.enable()
    assert reply.startswith(b"- ")
    assert batches
    assert held == []
