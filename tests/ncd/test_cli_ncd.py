"""openpcs api decode, mesh encode/decode/simulate: output and exit status."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert "modules.0.role" in failed.stderr
    bad.write_text("modules: [\n")
    assert runner.invoke(app, ["mesh", "simulate", str(bad)]).exit_code == 1
