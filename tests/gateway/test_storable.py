"""Values around a frame that a store would refuse: cleaned or refused, never a failed batch."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import Directory
from openpcs.gateway.pipeline import Pipeline
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival
from openpcs.gateway.storable import (
    MAX_META_BYTES,
    clean_meta,
    counter_problem,
    device_problem,
    make_storable,
)
from openpcs.gateway.store import queries
from openpcs.gateway.store.writer import StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler
from tests.gateway import frames as f

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_device_names_the_store_takes_and_those_it_does_not() -> None:
    assert device_problem("lorawan:70B3D57ED0001234") is None
    assert device_problem("x" * 64) is None
    assert device_problem("") == "must be 1 to 64 characters"
    assert device_problem("x" * 65) == "must be 1 to 64 characters"
    assert device_problem("a\x00b") == "must hold printable characters only"
    assert device_problem("\ud800") == "must hold printable characters only"
    assert device_problem(12) == "must be text"


def test_counters_fit_a_signed_64_bit_column() -> None:
    assert counter_problem(0) is None
    assert counter_problem(2**63 - 1) is None
    assert counter_problem(2**63) == "must be from 0 to 9223372036854775807"
    assert counter_problem(-1) == "must be from 0 to 9223372036854775807"
    assert counter_problem(True) == "must be a whole number"
    assert counter_problem(1.5) == "must be a whole number"


def test_meta_loses_what_json_and_the_stores_refuse() -> None:
    meta = {
        "rssi": float("nan"),
        "snr": float("inf"),
        "ok": -71.5,
        "name": "gw\x00\ud800one",
        "\udc80key": [1, 2**70, {"deep": True}],
    }
    assert clean_meta(meta) == {
        "rssi": None,
        "snr": None,
        "ok": -71.5,
        "name": "gw\ufffd\ufffdone",
        "\ufffdkey": [1, str(2**70), {"deep": True}],
    }


def test_meta_too_large_or_too_deep_is_cut() -> None:
    assert clean_meta({"blob": "x" * MAX_META_BYTES}) == {
        "dropped": f"metadata of {MAX_META_BYTES + 11} bytes is over the limit of 8192"
    }
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    depth = 0
    node = clean_meta(deep)
    while isinstance(node, dict):
        node, depth = node["a"], depth + 1
    assert node is None
    assert depth == 1 + 16  # the top level and 16 nested levels below it


@given(st.dictionaries(st.text(), _json, max_size=6))
def test_cleaned_meta_is_strict_utf8_json(meta: dict[str, Any]) -> None:
    cleaned = clean_meta(meta)
    text = json.dumps(cleaned, allow_nan=False, ensure_ascii=False)
    assert "\x00" not in text
    text.encode("utf-8")  # no lone surrogate survives
    assert clean_meta(cleaned) == cleaned


def test_an_arrival_with_bad_names_is_kept_as_an_error_that_says_why() -> None:
    arrival = Arrival(b"x", "t", device="a\x00b", counter=2**64, problem="not a hex frame")
    make_storable(arrival)
    assert arrival.device is None
    assert arrival.counter is None
    assert arrival.problem == (
        "not a hex frame; the device name 'a\\x00b' must hold printable characters only; "
        "the counter must be from 0 to 9223372036854775807"
    )


def test_each_store_archives_arrivals_with_hostile_values(engine: Engine) -> None:
    pipeline = Pipeline(
        StoreWriter(engine),
        Processor(Directory(), DedupWindow(600)),
        TinyAssembler(60),
        acknowledge="processed",
    )
    pipeline.start()
    try:
        receipts = asyncio.run(
            pipeline.submit(
                [
                    Arrival(f.binary(1), "t", meta={"rssi": float("nan"), "gw": "\ud800\x00"}),
                    Arrival(f.binary(2), "t", device="\ud800", counter=2**63),
                    Arrival(f.binary(3), "t", meta={"n": 2**80}, device="sensor 7", counter=9),
                ]
            )
        )
    finally:
        pipeline.stop()
    assert [r.status for r in receipts] == ["ok", "error", "ok"]
    first, second, third = (queries.frame(engine, r.id or 0) for r in receipts)
    assert first is not None
    assert second is not None
    assert third is not None
    assert first.meta == {"rssi": None, "gw": "\ufffd\ufffd"}
    assert second.device is None
    assert second.error is not None
    assert "the device name '\\ud800' must hold printable characters only" in second.error
    assert (third.meta, third.device, third.counter) == ({"n": str(2**80)}, "sensor 7", 9)
