"""openpcs api decode, mesh encode/decode/simulate: output and exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app

runner = CliRunner()
DATA_API = "7E001F10010013A20041996FF7FFFE00007F000103FF01001800FFF10000FFF1000081"
MESH = Path(__file__).resolve().parents[2] / "examples" / "mesh"


def test_api_decode_json() -> None:
    result = runner.invoke(app, ["api", "decode", DATA_API, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["address"] == "0013A20041996FF7"
    assert document["decoded"]["values"] == {
        "acc_x": -15,
        "acc_y": 0,
        "acc_z": -15,
        "temp_change": 0,
    }
    assert document["decoded"]["battery_v"] == 3.29


def test_api_decode_errors_exit_one() -> None:
    result = runner.invoke(app, ["api", "decode", DATA_API[:-2] + "00"])
    assert result.exit_code == 1
    assert "checksum is 0x00, the frame data give 0x81" in result.stderr
    assert runner.invoke(app, ["api", "decode", "7E", "zz"]).exit_code == 1


def test_mesh_encode_then_decode() -> None:
    encoded = runner.invoke(
        app, ["mesh", "encode", "--src", "0013A20041334712", DATA_API, "--json"]
    )
    assert encoded.exit_code == 0, encoded.output
    packet = json.loads(encoded.stdout)["packet"]
    assert packet.startswith("68A3EB2EFE2DFCE18658CB47A7892BC7")
    decoded = runner.invoke(app, ["mesh", "decode", packet, "--json"])
    assert decoded.exit_code == 0, decoded.output
    document = json.loads(decoded.stdout)
    assert document["delivered_frame"].endswith("F4")
    assert document["decoded"]["type_name"] == "Activity Detection"


def test_mesh_decode_with_the_wrong_key_exits_one() -> None:
    packet = runner.invoke(
        app, ["mesh", "encode", "--src", "0013A20041334712", DATA_API]
    ).stdout.strip()
    result = runner.invoke(app, ["mesh", "decode", packet, "--key", "00" * 16, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["outcome"] == "forged"


def test_bad_options_are_usage_errors() -> None:
    assert runner.invoke(app, ["mesh", "encode", DATA_API]).exit_code == 2
    assert runner.invoke(app, ["mesh", "encode", "--src", "00", DATA_API]).exit_code == 2
    assert runner.invoke(app, ["mesh", "decode", "00", "--key", "11"]).exit_code == 2


def test_mesh_simulate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mesh", "simulate", str(MESH / "spec-repeater.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["delivered"] == 10
    text = runner.invoke(app, ["mesh", "simulate", str(MESH / "spec-direct.yaml")])
    assert "delivered: 0" in text.stdout
    bad = tmp_path / "t.yaml"
    bad.write_text("modules: [{id: a, role: router}]\n")
    failed = runner.invoke(app, ["mesh", "simulate", str(bad)])
    assert failed.exit_code == 1
    assert "t.yaml line 1: modules[0].role: must be one of" in failed.stderr
    bad.write_text("modules: [\n")
    assert runner.invoke(app, ["mesh", "simulate", str(bad)]).exit_code == 1


SHORT_PAYLOAD_API = "7E001010010013A20041996FF7FFFE00007F007D"


def test_a_bad_payload_does_not_hide_the_frame() -> None:
    result = runner.invoke(app, ["api", "decode", SHORT_PAYLOAD_API, "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["address"] == "0013A20041996FF7"
    # the offset counts from the frame's 0x7E: 17 header bytes, then the 2-byte payload
    assert document["payload_error"] == (
        "sensor data needs a 9-byte header, got 2 bytes (at byte 19)"
    )


def test_mesh_decode_keeps_the_report_when_the_payload_is_bad() -> None:
    packet = runner.invoke(
        app, ["mesh", "encode", "--src", "0013A20041334712", SHORT_PAYLOAD_API]
    ).stdout.strip()
    result = runner.invoke(app, ["mesh", "decode", packet, "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["verified"], document["outcome"]) == (True, "delivered")
    assert document["payload_error"].endswith("(at byte 19)")


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("7E000000", "API_HEX: not a valid API frame: length is 0"),
        ("7E0000", "API_HEX: not a valid API frame: an API frame is at least 4 bytes, got 3"),
    ],
)
def test_mesh_encode_refuses_invalid_frames(frame: str, message: str) -> None:
    result = runner.invoke(app, ["mesh", "encode", "--src", "0013A20041334712", frame])
    assert result.exit_code == 1
    assert message in result.stderr


@pytest.mark.parametrize(
    ("options", "option", "message"),
    [
        (["--src", "zz"], "--src", "'zz' is not hexadecimal"),
        (["--src", "0013A2004133471"], "--src", "odd number of hex digits"),
        (["--src", "0013A20041334712", "--net", "7_F"], "--net", "is not a network ID"),
        (["--src", "0013A20041334712", "--key", "55AA"], "--key", "must be 16 bytes"),
    ],
)
def test_option_errors_name_the_option(options: list[str], option: str, message: str) -> None:
    result = runner.invoke(app, ["mesh", "encode", *options, DATA_API])
    assert result.exit_code == 2
    flat = " ".join(result.stderr.replace("│", " ").split())
    assert f"Invalid value for {option}: " in flat
    assert message in flat


def test_simulate_refuses_nesting_and_oversized_topologies(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 10_000)
    result = runner.invoke(app, ["mesh", "simulate", str(deep)])
    assert result.exit_code == 1
    assert "deep.yaml" in result.stderr
    assert "Traceback" not in result.output
    huge = tmp_path / "huge.yaml"
    huge.write_text("generate: {nodes: 400, sends: 3, area_m: [10, 10]}\n")
    result = runner.invoke(app, ["mesh", "simulate", str(huge)])
    assert result.exit_code == 1
    assert "huge.yaml: this topology could take" in result.stderr
