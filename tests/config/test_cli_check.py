"""openpcs check and openpcs schema: output, JSON shape and exit status 0, 1, 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from openpcs.cli import app

runner = CliRunner()
NODES = Path(__file__).resolve().parents[2] / "examples" / "nodes"
GOOD = str(NODES / "smart-water_xbee-868lp_meshlium.yaml")
TINY = str(NODES / "smart-agriculture-xtreme_lorawan-eu-abp.yaml")


def test_a_valid_file_exits_zero_with_summary_plan_and_estimates() -> None:
    result = runner.invoke(app, ["check", GOOD])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "valid" in out
    assert "Smart Water" in out
    assert "Frame plan: type 6 inside 96" in out
    assert "PH_A" in out
    assert "Estimates:" in out
    assert "********" in out  # the AES key is masked
    assert "openpcs-demo-key" not in out


def test_json_shape() -> None:
    result = runner.invoke(app, ["check", TINY, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"data", "warnings", "errors"}
    data = document["data"]
    assert data["valid"] is True
    assert data["summary"]["radio"]["nwk_skey"] == "********"
    assert data["plan"]["tiny_frames"]["max_bytes"] == 100
    assert data["estimates"]["lorawan"]["chosen"] == 5


def test_errors_exit_one_with_paths(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        (NODES / "smart-agriculture_sigfox.yaml")
        .read_text()
        .replace("C: soil_moisture", "C: leaf_wetness")
    )
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert errors[0]["path"] == "sockets.C.probe"
    assert errors[0]["rule"] == "probe-offered"
    assert errors[0]["line"] == 6
    text = runner.invoke(app, ["check", str(path)])
    assert "line 6: sockets.C.probe: Leaf wetness is not offered in socket C" in text.stdout


def test_unreadable_input_exits_two(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("serial: [\n")
    result = runner.invoke(app, ["check", str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml line 2" in result.stderr
    assert runner.invoke(app, ["check", str(tmp_path / "none.yaml")]).exit_code == 2


def test_several_files_give_a_json_list_and_the_worst_status(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: nope\nradio: {type: sigfox}\n")
    result = runner.invoke(app, ["check", GOOD, str(bad), "--json"])
    assert result.exit_code == 1
    documents = json.loads(result.stdout)
    assert [d["data"]["valid"] for d in documents] == [True, False]


def test_template_with_serial(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("model: ambient_control\nradio: {type: sigfox}\n")
    plain = runner.invoke(app, ["check", str(template), "--json"])
    assert plain.exit_code == 0
    assert json.loads(plain.stdout)["warnings"][0]["path"] == "serial"
    named = runner.invoke(
        app, ["check", str(template), "--serial", "0011223344556677", "--name", "n1", "--json"]
    )
    assert named.exit_code == 0
    summary = json.loads(named.stdout)["data"]["summary"]
    assert (summary["serial"], summary["node_name"]) == ("0011223344556677", "n1")


def test_schema_is_the_json_schema_of_a_node() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "NodeConfig"
    assert {"serial", "model", "sockets", "radio", "destination", "encryption"} <= set(
        schema["properties"]
    )
    assert "discriminator" in json.dumps(schema["properties"]["radio"]) or "oneOf" in json.dumps(
        schema["properties"]["radio"]
    )
