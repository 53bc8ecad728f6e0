"""openpcs build and openpcs batch from the command line: outputs, notes and exit status."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app
from tests.program.fake_tree import write_fake_tree

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "nodes" / "smart-water_xbee-868lp_meshlium.yaml"
TEMPLATE = ROOT / "examples" / "templates" / "weather-station-lorawan.yaml"
BATCH = ROOT / "examples" / "batch"


def test_build_source_only_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(EXAMPLE), "--source-only", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "bundle: " in result.stdout
    assert "note: no .hex is built: source only was asked for" in result.stderr
    (bundle,) = tmp_path.glob("5B6C7D8E9FA0B1C2-*.zip")
    assert bundle.name.endswith("-source.zip")  # the name says there is no .hex inside
    with zipfile.ZipFile(bundle) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".hex")]


def test_build_without_an_api_tree_names_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WASPMOTE_API_DIR", raising=False)
    result = runner.invoke(app, ["build", str(EXAMPLE), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["binary"]["included"] is False
    assert "--api-dir DIR or set WASPMOTE_API_DIR" in manifest["binary"]["reason"]
    assert "WASPMOTE_API_DIR" in result.stderr


def test_build_a_template_with_serial_and_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_DEV_EUI", "0004A30B001C0599")
    result = runner.invoke(
        app,
        [
            "build",
            str(TEMPLATE),
            "--serial",
            "1A2B3C4D5E6F7090",
            "--name",
            "ws-090",
            "--source-only",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    (bundle,) = tmp_path.glob("1A2B3C4D5E6F7090-*.zip")
    with zipfile.ZipFile(bundle) as archive:
        values = archive.read("source/openpcs_node/node_values.cpp").decode()
    assert 'char NODE_NAME[] = "ws-090";' in values
    assert 'char NODE_DEV_EUI[] = "0004A30B001C0599";' in values


def test_build_refuses_a_template_without_serial_and_bad_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_DEV_EUI", "0004A30B001C0599")
    result = runner.invoke(app, ["build", str(TEMPLATE), "--source-only", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "serial: a template has no program; give the node's serial ID" in result.stderr
    missing = runner.invoke(app, ["build", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    assert list(tmp_path.glob("*.zip")) == []


@pytest.mark.usefixtures("avr_toolchain")
def test_build_against_a_tree_without_the_api_shows_the_compiler_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "build",
            str(EXAMPLE),
            "--api-dir",
            str(write_fake_tree(tmp_path / "api")),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1
    assert "the program does not build" in result.stderr
    assert "openpcs_node.pde:" in result.stderr
    assert "WaspFrame.h" in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").glob("*.zip")) == []


def test_batch_command_reports_and_exits_by_outcome(tmp_path: Path) -> None:
    ok = runner.invoke(
        app,
        [
            "batch",
            str(BATCH / "air-quality-template.yaml"),
            str(BATCH / "nodes.csv"),
            "--out",
            str(tmp_path / "ok"),
            "--source-only",
            "-j",
            "2",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "5 of 5 nodes bundled" in ok.stdout
    assert len(list((tmp_path / "ok").glob("*.zip"))) == 5
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text(
        "serial,name,encryption.key\n3A00000000000001,a,x\n3A00000000000002,b," + "k" * 32 + "\n"
    )
    bad = runner.invoke(
        app,
        [
            "batch",
            str(BATCH / "air-quality-template.yaml"),
            str(bad_csv),
            "--out",
            str(tmp_path / "bad"),
            "--source-only",
        ],
    )
    assert bad.exit_code == 1
    assert "1 of 2 nodes bundled" in bad.stdout
    refused = runner.invoke(
        app, ["batch", str(TEMPLATE), str(BATCH / "nodes.csv"), "--out", str(tmp_path / "r")]
    )
    assert refused.exit_code == 2


def test_a_named_api_tree_that_is_not_one_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(
        app, ["build", str(EXAMPLE), "--api-dir", str(tmp_path / "nope"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no such directory (expected a Waspmote API tree)" in result.stderr
    monkeypatch.setenv("WASPMOTE_API_DIR", str(tmp_path))
    result = runner.invoke(app, ["build", str(EXAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a Waspmote API tree" in result.stderr
    assert list(tmp_path.glob("*.zip")) == []


def test_an_output_that_is_a_file_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = runner.invoke(
        app, ["build", str(EXAMPLE), "--source-only", "--out", str(blocker / "sub")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "afile" in result.stderr
    batch = runner.invoke(
        app,
        [
            "batch",
            str(BATCH / "air-quality-template.yaml"),
            str(BATCH / "nodes.csv"),
            "--out",
            str(blocker),
            "--source-only",
        ],
    )
    assert batch.exit_code == 2
    assert "afile" in batch.stderr
