"""Run the shared golden frame examples (tests/golden/frames.yaml) through decode_any."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from openpcs import frames
from openpcs.frames import decode_any
from openpcs.frames.model import json_value

EXAMPLES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "golden" / "frames.yaml").read_text(encoding="utf-8")
)


def _input(example: dict[str, Any]) -> bytes:
    if "ascii" in example:
        return str(example["ascii"]).encode("latin-1")
    return bytes.fromhex(str(example["hex"]).replace(" ", ""))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["description"] for e in EXAMPLES])
def test_golden_example(example: dict[str, Any]) -> None:
    raw = _input(example)
    keys = example.get("keys")
    if "error" in example:
        name, offset = example["error"]
        with pytest.raises(getattr(frames, name)) as caught:
            decode_any(raw, keys)
        assert caught.value.offset == offset
        return
    frame = decode_any(raw, keys)
    document = frame.to_dict()
    for key, expected in example["expect"].items():
        if key == "fields":
            got = [[f.tag, [json_value(v, f.sensor.type) for v in f.values]] for f in frame.fields]
            assert got == expected
        else:
            assert document[key] == expected, key
