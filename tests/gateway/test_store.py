"""The store on SQLite and on PostgreSQL: migrations, the write path, queries, devices, tokens,
the outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import DeviceKeys, Directory, token_hash
from openpcs.gateway.forward.dispatcher import Dispatcher
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Format, Processed
from openpcs.gateway.secret_box import SecretBox, SecretBoxError
from openpcs.gateway.settings import RetrySettings
from openpcs.gateway.store import queries
from openpcs.gateway.store.database import (
    StoreError,
    current_revision,
    head_revision,
    migrate,
    open_engine,
)
from openpcs.gateway.store.devices import DeviceUpdate, load_directory, update_device
from openpcs.gateway.store.outbox import OutboxStore
from openpcs.gateway.store.schema import Base, belongs_on
from openpcs.gateway.store.tokens import TokenStore
from openpcs.gateway.store.writer import OutboxRow, StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler
from tests.gateway import frames as f

T0 = datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)


def _store(engine: Engine, arrivals: list[Arrival]) -> list[Processed]:
    writer = StoreWriter(engine)
    ids = writer.archive(arrivals)
    processor = Processor(Directory(), DedupWindow(600))
    results = [processor.process(i, a) for i, a in zip(ids, arrivals, strict=True)]
    writer.save(list(zip(arrivals, results, strict=True)))
    return results


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": belongs_on(engine.dialect.name)},
        )
        assert compare_metadata(context, Base.metadata) == []
    assert "reading_rows" in inspect(engine).get_view_names()
    migrate(engine)  # a second run changes nothing
    assert current_revision(engine) == head_revision()


def test_archive_hands_out_increasing_ids_and_keeps_the_bytes(engine: Engine) -> None:
    writer = StoreWriter(engine)
    first = writer.archive([Arrival(b"\x01garbage", "tcp", received_at=T0, remote="10.0.0.9")])
    more = writer.archive([Arrival(f.binary(i), "http", received_at=T0) for i in range(3)])
    assert len(first) == 1
    assert more == [first[0] + 1, first[0] + 2, first[0] + 3]
    pending = writer.pending(0, 10, before=T0 + timedelta(seconds=1))
    assert [frame_id for frame_id, _ in pending] == first + more
    _, arrival = pending[0]
    assert (arrival.data, arrival.adapter, arrival.remote) == (b"\x01garbage", "tcp", "10.0.0.9")
    assert arrival.received_at == T0
    assert writer.pending(0, 10, before=T0 - timedelta(seconds=1)) == []


def test_archived_arrivals_read_back_whole_each_with_its_own_time(engine: Engine) -> None:
    """Reading back remembers the last arrival time it parsed (a request's frames share one):
    frames whose times alternate, and every other column, still come back as archived."""
    writer = StoreWriter(engine)
    later = T0 + timedelta(seconds=1, microseconds=7)
    arrivals = [
        Arrival(f.binary(0), "http", received_at=T0, remote="10.0.0.9", serial="A1"),
        Arrival(f.binary(1), "http", received_at=T0, serial="A1"),
        Arrival(b"\x7e\x00\x01\x00\xff", "serial", Format.NCD_API, received_at=later),
        Arrival(b"\x00" * 24, "udp", Format.NCD_MESH, meta={"rssi": -71}, received_at=T0),
        Arrival(
            b"\x01\x02", "lorawan", device="lorawan:70B3D57ED0001234", counter=9, received_at=later
        ),
    ]
    ids = writer.archive(arrivals)
    expected = list(zip(ids, arrivals, strict=True))
    assert writer.pending_ids(ids) == expected
    assert writer.pending_ids(ids[::2]) == expected[::2]  # not one run of ids
    assert writer.pending(0, 10, before=later + timedelta(seconds=1)) == expected
    assert [(row[0], row[1]) for row in writer.arrivals(ids)] == expected


def test_times_an_hour_apart_with_one_wall_clock_read_back_apart(postgres_url: str) -> None:
    """PostgreSQL gives times in the session's zone: across a fall-back hour two frames an hour
    apart share a wall-clock time (compared equal, ``fold`` aside); each keeps its own, in UTC."""
    berlin = open_engine(postgres_url + "%20-ctimezone%3DEurope/Berlin", synchronous="normal")
    try:
        migrate(berlin)
        writer = StoreWriter(berlin)
        first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time in Berlin
        arrivals = [
            Arrival(f.binary(0), "http", received_at=first),
            Arrival(f.binary(1), "http", received_at=first + timedelta(hours=1)),  # 02:30 again
        ]
        ids = writer.archive(arrivals)
        expected = list(zip(ids, arrivals, strict=True))
        assert writer.pending_ids(ids) == expected
        assert writer.pending(0, 10, before=first + timedelta(hours=2)) == expected
        assert [(row[0], row[1]) for row in writer.arrivals(ids)] == expected
        assert {a.received_at.tzinfo for _, a in writer.pending_ids(ids)} == {UTC}
    finally:
        berlin.dispose()


def test_save_stores_readings_statuses_and_device_counts(engine: Engine) -> None:
    arrivals = [
        Arrival(f.binary(1), "http", received_at=T0),
        Arrival(f.binary(1), "tcp", received_at=T0 + timedelta(seconds=1)),
        Arrival(
            f.binary(2, values=f.fields(battery=55)), "tcp", received_at=T0 + timedelta(seconds=2)
        ),
        Arrival(b"<=>\x06\x05", "tcp", received_at=T0 + timedelta(seconds=3)),
    ]
    results = _store(engine, arrivals)
    assert [r.status for r in results] == ["ok", "duplicate", "ok", "error"]
    page, following = queries.readings(engine, serial=f.SERIAL)
    assert following is None
    assert [(r.frame_id, r.sensor) for r in page] == [
        (results[0].frame_id, "TC"),
        (results[0].frame_id, "HUM"),
        (results[0].frame_id, "BAT"),
        (results[2].frame_id, "TC"),
        (results[2].frame_id, "HUM"),
        (results[2].frame_id, "BAT"),
    ]
    assert page[0].value == 21.37  # the float32 shown as its shortest decimal
    assert page[0].unit == "°C"
    assert page[5].value == 55
    assert page[0].received_at == T0
    device = queries.device(engine, f.SERIAL)
    assert device is not None
    assert (device.frames, device.errors, device.battery, device.node_name) == (3, 0, 55.0, f.NAME)
    assert device.last_seen == T0 + timedelta(seconds=2)
    assert device.first_seen == T0
    error = queries.frame(engine, results[3].frame_id)
    assert error is not None
    assert error.status == "error"
    assert error.data == "3C3D3E0605"
    assert "15 bytes" in str(error.error)


def test_readings_pages_follow_time_order_without_gaps(engine: Engine) -> None:
    arrivals = [
        Arrival(f.binary(i), "api", received_at=T0 + timedelta(seconds=i)) for i in range(7)
    ]
    _store(engine, arrivals)
    seen = []
    after = None
    while True:
        page, after = queries.readings(engine, sensor="HUM", limit=2, after=after)
        seen += [r.frame_id for r in page]
        if after is None:
            break
    assert len(seen) == 7
    assert seen == sorted(seen)
    window, _ = queries.readings(
        engine, since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=4), sensor="TC"
    )
    assert [r.received_at for r in window] == [T0 + timedelta(seconds=2), T0 + timedelta(seconds=3)]
    with pytest.raises(queries.CursorError):
        queries.readings(engine, after="not-a-cursor")


def test_frames_query_filters_by_status_newest_first(engine: Engine) -> None:
    _store(engine, [Arrival(b"junk-%d" % i, "tcp", received_at=T0) for i in range(3)])
    _store(engine, [Arrival(f.binary(), "tcp", received_at=T0)])
    errors, following = queries.frames(engine, status="error", limit=2)
    assert [e.status for e in errors] == ["error", "error"]
    assert errors[0].id > errors[1].id
    rest, last = queries.frames(engine, status="error", limit=2, after=following)
    assert len(rest) == 1
    assert last is None


def test_device_settings_round_trip_with_keys_sealed(engine: Engine) -> None:
    box = SecretBox(_key())
    update_device(
        engine,
        box,
        f.SERIAL.lower(),
        DeviceUpdate(
            keys=DeviceKeys(payload=f.PAYLOAD_KEY),
            ingest_token="device-token-0123456789",
            tiny_table=6,
            expected_sensors=["TC", "HUM"],
            aliases=["lorawan:70b3d57ed0001234"],
            label="roof",
        ),
    )
    directory = load_directory(engine, box)
    settings = directory.settings(f.SERIAL)
    assert settings is not None
    assert settings.keys.payload == f.PAYLOAD_KEY
    assert settings.ingest_token_hash == token_hash("device-token-0123456789")
    assert settings.expected_sensors == frozenset({"TC", "HUM"})
    assert directory.resolve("lorawan:70B3D57ED0001234") == f.SERIAL
    view = queries.device(engine, f.SERIAL)
    assert view is not None
    assert view.keys == {"payload": True, "bridge": False}
    assert view.ingest_token is True
    assert view.aliases == ["lorawan:70B3D57ED0001234"]
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT keys FROM devices").scalar()
    assert f.PAYLOAD_KEY not in str(stored)
    with pytest.raises(SecretBoxError):
        load_directory(engine, SecretBox(_key(b"another")))
    update_device(engine, box, f.SERIAL, DeviceUpdate(keys=None, ingest_token=None))
    cleared = load_directory(engine, box).settings(f.SERIAL)
    assert cleared is not None
    assert cleared.keys.payload is None
    assert cleared.ingest_token_hash is None
    assert cleared.tiny_table == 6  # left out of the change, so unchanged


def _key(seed: bytes = b"openpcs") -> bytes:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(seed).digest())


def test_an_alias_names_one_device_only(engine: Engine) -> None:
    box = SecretBox(_key())
    update_device(engine, box, "0102", DeviceUpdate(aliases=["sigfox:1a2b3c"]))
    with pytest.raises(ValueError, match="sigfox:1A2B3C already names device 0102"):
        update_device(engine, box, "0304", DeviceUpdate(aliases=["sigfox:1A2B3C"]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aliases": ["lorawan:123"]}, "not a network identity"),
        ({"expected_sensors": ["NOPE"]}, "NOPE not in sensor table 6"),
        ({"keys": {"payload": "short"}}, "16, 24 or 32 characters"),
        ({"keys": {"bridge": "a-24-character-key-12345"}}, "16 characters"),
        ({"ingest_token": "short"}, "at least 16"),
        ({"tiny_table": 5}, "6, 7 or 8"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
def test_bad_device_settings_are_refused_with_the_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DeviceUpdate.model_validate(change)


def test_tokens_are_stored_hashed_and_can_be_revoked(engine: Engine) -> None:
    tokens = TokenStore(engine)
    assert not tokens.has_admin()
    token = tokens.create("ops", "admin")
    assert token.startswith("opk_")
    assert tokens.scope_of(token) == "admin"
    assert tokens.scope_of(token + "x") is None
    assert tokens.has_admin()
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash FROM api_tokens").scalar()
    assert stored == token_hash(token)
    assert tokens.revoke("ops") == 1
    assert tokens.scope_of(token) is None
    assert tokens.revoke("ops") == 0
    assert [t.name for t in tokens.all()] == ["ops"]


def test_outbox_claims_leases_and_reschedules(engine: Engine) -> None:
    arrivals = [Arrival(f.binary(i), "api", received_at=T0) for i in range(3)]
    writer = StoreWriter(engine)
    ids = writer.archive(arrivals)
    processor = Processor(Directory(), DedupWindow(600))
    results = [processor.process(i, a) for i, a in zip(ids, arrivals, strict=True)]
    rows = [OutboxRow("hook", r.frame_id, "t", f'{{"n": {r.frame_id}}}') for r in results]
    writer.save(list(zip(arrivals, results, strict=True)), outbox=rows)
    outbox = OutboxStore(engine)
    now = T0 + timedelta(seconds=1)
    claimed = outbox.claim("hook", now, timedelta(minutes=2), 2)
    assert [c.frame_id for c in claimed] == ids[:2]
    # leased: a second claim does not see them
    assert [c.frame_id for c in outbox.claim("hook", now, timedelta(minutes=2), 5)] == ids[2:]
    outbox.delivered([claimed[0].id])
    outbox.failed([(claimed[1].id, 1, now + timedelta(seconds=5), "broker down", False)])
    assert outbox.claim("hook", now + timedelta(seconds=4), timedelta(minutes=2), 5) == []
    again = outbox.claim("hook", now + timedelta(seconds=6), timedelta(minutes=2), 5)
    assert [(c.frame_id, c.attempts) for c in again] == [(ids[1], 1)]
    outbox.failed([(again[0].id, 2, now, "gave up", True)])
    assert outbox.backlog() == {"hook": {"waiting": 1, "dead": 1}}


def test_tiny_sets_are_stored_and_linked(engine: Engine) -> None:
    writer = StoreWriter(engine)
    directory = Directory({}, {"lorawan:70B3D57ED0001234": f.SERIAL})
    processor = Processor(directory, DedupWindow(600))
    tiny = TinyAssembler(60)
    arrivals = [
        Arrival(part, "lorawan", device="lorawan:70B3D57ED0001234", counter=20 + n, received_at=T0)
        for n, part in enumerate(f.tiny_parts(sequence=7))
    ]
    ids = writer.archive(arrivals)
    results = [processor.process(i, a) for i, a in zip(ids, arrivals, strict=True)]
    links = []
    touched = {}
    for arrival, result in zip(arrivals, results, strict=True):
        assert result.tiny is not None
        current, _ = tiny.add(result.tiny, arrival.received_at, None)
        touched[id(current)] = current
        links.append((result, current))
    writer.save(list(zip(arrivals, results, strict=True)), list(touched.values()), set_links=links)
    (only,) = touched.values()
    assert only.id is not None
    assert {r.set_id for r in results} == {only.id}
    writer.save([], tiny.close_all())
    sets, _ = queries.reading_sets(engine, serial=f.SERIAL)
    assert [(s.status, s.parts, s.counters) for s in sets] == [
        ("complete", len(arrivals), [20 + n for n in range(len(arrivals))])
    ]


def test_a_url_that_is_no_database_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="is not a database URL"):
        open_engine("not a url")
    with pytest.raises(StoreError, match="no driver"):
        open_engine("nosuchdb://host/db")


class _BrokenSender:
    name = "hook"

    async def send(self, items: Any) -> list[str | None]:
        raise RuntimeError("a defect")

    async def close(self) -> None:
        return None


def test_a_sender_that_raises_counts_an_attempt_and_strands_nothing(engine: Engine) -> None:
    arrivals = [Arrival(f.binary(i), "api") for i in range(2)]  # due now
    writer = StoreWriter(engine)
    ids = writer.archive(arrivals)
    processor = Processor(Directory(), DedupWindow(600))
    results = [processor.process(i, a) for i, a in zip(ids, arrivals, strict=True)]
    rows = [OutboxRow("hook", r.frame_id, "t", "{}") for r in results]
    writer.save(list(zip(arrivals, results, strict=True)), outbox=rows)
    outbox = OutboxStore(engine)
    dispatcher = Dispatcher(_BrokenSender(), outbox, RetrySettings(max_attempts=1))
    assert asyncio.run(dispatcher.round()) is False
    assert outbox.backlog() == {"hook": {"waiting": 0, "dead": 2}}
    assert dispatcher.stats.last_error == "the forwarder failed (RuntimeError: a defect)"


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "gateway.db"
    engine = open_engine(f"sqlite:///{path}", synchronous="normal")
    try:
        migrate(engine)
        mode = path.stat().st_mode & 0o777
        folder = path.parent.stat().st_mode & 0o777
        wal = path.with_name("gateway.db-wal")
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM frames").scalar()
            wal_mode = wal.stat().st_mode & 0o777 if wal.exists() else 0o600
    finally:
        engine.dispose()
    assert (mode, folder, wal_mode) == (0o600, 0o700, 0o600)


def test_a_reading_cursor_follows_storage_order_whatever_the_received_times(
    engine: Engine,
) -> None:
    writer = StoreWriter(engine)
    processor = Processor(Directory(), DedupWindow(600))

    def store(arrival: Arrival) -> None:
        (frame_id,) = writer.archive([arrival])
        writer.save([(arrival, processor.process(frame_id, arrival))])

    store(Arrival(f.binary(1), "api", received_at=T0 + timedelta(hours=1)))
    first, following = queries.readings(engine, sensor="TC", limit=1)
    assert following is None
    store(Arrival(f.binary(2), "api", received_at=T0))  # stored later, received "earlier"
    store(Arrival(f.binary(3), "api", received_at=T0 + timedelta(hours=2)))
    _, cursor = queries.readings(engine, sensor="TC", limit=1)
    assert cursor is not None
    tail, _ = queries.readings(engine, sensor="TC", after=cursor)
    assert [r.received_at for r in first] == [T0 + timedelta(hours=1)]
    assert [r.received_at for r in tail] == [T0, T0 + timedelta(hours=2)]
