"""The openpcs command: decode, encode, tiny, fragment, sensors; exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app
from tests.vectors import (
    FRAME_ASCII,
    FRAME_V15,
    KEY_256,
    SERIAL,
    SMALL_FRAME,
    TINY_PARTS_12,
    encrypted,
)

runner = CliRunner()
FRAMES = Path(__file__).resolve().parent.parent / "examples" / "frames"


def test_decode_json() -> None:
    result = runner.invoke(app, ["frame", "decode", FRAME_V15, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["serial"], document["node_name"], document["sequence"]) == (
        SERIAL,
        "node01",
        5,
    )
    assert [(f["tag"], f["values"]) for f in document["fields"]][:3] == [
        ("TST", [1700000000]),
        ("TC", [23.5]),
        ("BAT", [87]),
    ]


def test_decode_text_accepts_spaced_hex() -> None:
    spaced = " ".join(FRAME_V15[i : i + 2] for i in range(0, len(FRAME_V15), 2))
    result = runner.invoke(app, ["frame", "decode", *spaced.split()])
    assert result.exit_code == 0, result.output
    assert "serial 0123456789ABCDEF, node 'node01', sequence 5" in result.stdout
    assert "Temperature" in result.stdout
    assert "23.5 °C" in result.stdout


def test_decode_with_a_key() -> None:
    result = runner.invoke(
        app, ["frame", "decode", encrypted(96, KEY_256), "--key", KEY_256, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["encrypted_as"] == [96]
    kept = runner.invoke(app, ["frame", "decode", encrypted(96, KEY_256)])
    assert kept.exit_code == 0
    assert "give --key to decrypt" in kept.stdout


def test_decode_stdin_prints_one_json_object_per_line() -> None:
    tiny = TINY_PARTS_12[0].replace(" ", "")
    lines = f"# comment\n{FRAME_V15}\n\n{FRAME_ASCII.hex()}\nnot-hex\n{tiny}\n"
    result = runner.invoke(app, ["frame", "decode", "-"], input=lines)
    assert result.exit_code == 1
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("kind") for o in outputs] == ["binary", "ascii", None, "tiny"]
    assert outputs[2] == {"line": 5, "error": "'n' is not a hex digit", "offset": 0}
    assert "1 frame(s) could not be decoded" in result.stderr


def test_decode_stdin_all_good_exits_zero() -> None:
    result = runner.invoke(app, ["frame", "decode", "-"], input=f"{FRAME_V15}\n{SMALL_FRAME}\n")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["3C3D3E06"], "binary frame header needs at least 15 bytes, got 4 (at byte 4)"),
        ([FRAME_V15 + "00"], "error: 1 bytes follow the end of the frame (at byte 95)"),
        (["zz"], "error: 'z' is not a hex digit (at character 0)"),
        ([encrypted(96, KEY_256), "--key", "F" * 32], "the key does not decrypt it"),
    ],
)
def test_bad_frames_exit_one_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["frame", "decode", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["frame", "decode"],
        ["frame", "decode", "00", "--key", "short"],
        ["frame", "decode", "00", "--table", "9"],
        ["frame", "nope"],
        ["frame", "tiny", "00", "--max", "5"],
    ],
)
def test_bad_usage_exits_two(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_encode_yaml_example_round_trips(tmp_path: Path) -> None:
    result = runner.invoke(app, ["frame", "encode", str(FRAMES / "smart-environment.yaml")])
    assert result.exit_code == 0, result.output
    decoded = json.loads(
        runner.invoke(app, ["frame", "decode", result.stdout.strip(), "--json"]).stdout
    )
    assert decoded["node_name"] == "env-roof-01"
    assert decoded["fields"][0]["tag"] == "TST"
    assert [f["values"] for f in decoded["fields"] if f["tag"] == "GPS"] == [[41.656208, -0.878734]]
    # decode --json output is itself an encode input
    again = tmp_path / "again.json"
    again.write_text(json.dumps(decoded))
    assert runner.invoke(app, ["frame", "encode", str(again)]).stdout == result.stdout


def test_encode_encrypted_example() -> None:
    result = runner.invoke(app, ["frame", "encode", str(FRAMES / "water-xtreme-encrypted.yaml")])
    assert result.exit_code == 0, result.output
    key = (FRAMES / "demo-key.txt").read_text().strip()
    decoded = json.loads(
        runner.invoke(app, ["frame", "decode", result.stdout.strip(), "-k", key, "--json"]).stdout
    )
    assert (decoded["frame_type"], decoded["encrypted_as"]) == (8, [96])


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            "serial: 0123456789ABCDEF\nfields:\n  - TC: [1, 2]\n",
            "f.yaml",
            "f.yaml: fields.0: TC takes 1 value, got 2",
        ),
        (
            "serial: 0123456789ABCDEF\nfields:\n  - NOPE: 1\n",
            "f.yaml",
            "fields.0: unknown sensor 'NOPE'",
        ),
        ("serial: 0123456789ABCDEF\nfeilds: []\n", "f.yaml", "fields: Field required"),
        ("serial: 0123456789ABCDEF\nfields: [\n", "f.yaml", "f.yaml line 3:"),
        ('{"serial": 1,}', "f.json", "f.json line 1: invalid JSON"),
        (
            "serial: 0123456789ABCDEF\nfields: []\nencrypt: {type: 103, key: " + "k" * 32 + "}\n",
            "f.yaml",
            "encrypt.0.key",
        ),
        ("serial: 0123456789ABCDEF\nfields: []\nencrypted_as: [96]\n", "f.yaml", "encrypted_as"),
        (
            "serial: 0123456789ABCDEF\nframe_type: 9\nfields: []\n",
            "f.yaml",
            "frame_type: frame type 9 has no sensor table",
        ),
        (
            "serial: 0123456789ABCDEF\nfields:\n  - {tag: TC}\n",
            "f.yaml",
            "exactly one of 'value' or 'values'",
        ),
        (
            "serial: 0123456789ABCDEF\nfields:\n  - {id: 74, tag: HUM, value: 1}\n",
            "f.yaml",
            "fields.0: id 74 is TC, not HUM",
        ),
        (
            "serial: 0123456789ABCDEF\nfields:\n  - {value: 1}\n",
            "f.yaml",
            "give the sensor as 'tag' or 'id'",
        ),
    ],
)
def test_encode_errors_name_file_and_place(
    tmp_path: Path, content: str, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = runner.invoke(app, ["frame", "encode", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_encode_missing_file() -> None:
    result = runner.invoke(app, ["frame", "encode", "/nonexistent/frame.yaml"])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_tiny_command() -> None:
    result = runner.invoke(app, ["frame", "tiny", FRAME_V15, "--max", "12"])
    assert result.exit_code == 0
    assert result.stdout.split() == [p.replace(" ", "") for p in TINY_PARTS_12]
    assert "warning: field PM_BINH (id 192) never fits in a 12-byte tiny frame" in result.stderr
    as_json = json.loads(runner.invoke(app, ["frame", "tiny", FRAME_V15, "--json"]).stdout)
    assert as_json["dropped"] == [{"id": 192, "tag": "PM_BINH"}]


def test_fragment_command() -> None:
    result = runner.invoke(app, ["frame", "fragment", FRAME_V15, "--max", "60", "--json"])
    assert result.exit_code == 0, result.output
    parts = json.loads(result.stdout)["parts"]
    assert len(parts) == 2
    assert all(len(p) // 2 <= 60 for p in parts)


def test_sensors_command() -> None:
    result = runner.invoke(app, ["sensors", "MB_IR", "--json"])
    rows = json.loads(result.stdout)
    assert [(r["table"], r["id"]) for r in rows] == [(6, 183), (7, 45), (8, 45)]
    text = runner.invoke(app, ["sensors", "--table", "8", "EM_BGA"])
    assert "Blue-green algae" in text.stdout


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("openpcs ")
