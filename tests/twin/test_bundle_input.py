"""``openpcs twin BUNDLE --config CONFIG``: the bundle's own .hex is run, judged against the
configuration it was built from; a file that is no bundle, a bundle without a binary, or one
built from another configuration or for another node is refused with the reason (exit 2)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.config.check import check_file
from openpcs.program.generator import config_hash
from tests.config.test_examples import NODES
from tests.twin.test_harness import _built
from tests.twin.test_xbee import _frame, _write_payload

runner = CliRunner()
_XBEE = NODES / "smart-environment-pro_xbee-802-15-4_meshlium.yaml"


def _bundle(out: Path, hex_path: Path | None, **changes: object) -> Path:
    config = check_file(_XBEE).config
    assert config is not None
    manifest: dict[str, object] = {
        "serial": config.serial,
        "config_sha256": config_hash(config),
        "binary": {"included": True, "hex": "node.hex", "ram_bytes": 600}
        if hex_path
        else {"included": False, "reason": "built source only"},
    }
    manifest |= changes
    path = out / "bundle.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("manifest.json", json.dumps(manifest))
        if hex_path is not None:
            bundle.write(hex_path, "node.hex")
    return path


def test_a_bundle_s_own_program_is_run(tmp_path: Path) -> None:
    _write_payload(tmp_path, _frame())
    program, _ = _built("xbee_node", tmp_path)
    bundle = _bundle(tmp_path, program)
    result = runner.invoke(
        app, ["twin", str(bundle), "--config", str(_XBEE), "--cycles", "2", "--json"]
    )
    report = json.loads(result.output)
    sent = [d["payload"] for cycle in report["cycles"] for d in cycle["sent"]]
    assert sent == [_frame().hex().upper()] * 2  # the bundle's program, not one built here
    assert result.exit_code == 1  # its frames are not the configuration's


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"serial": "0000000000000001"}, "the bundle is node 0000000000000001's"),
        ({"config_sha256": "00" * 32}, "built from another configuration"),
        ({"binary": {"included": True, "hex": "../node.hex"}}, "names no .hex in the bundle"),
        ({"binary": {"included": True, "hex": "other.hex"}}, "the bundle lacks other.hex"),
    ],
)
def test_a_bundle_that_does_not_fit_is_refused(
    tmp_path: Path, changes: dict[str, object], said: str
) -> None:
    program = tmp_path / "node.hex"
    program.write_text(":00000001FF\n")
    bundle = _bundle(tmp_path, program, **changes)
    result = runner.invoke(app, ["twin", str(bundle), "--config", str(_XBEE)])
    assert result.exit_code == 2
    assert said in result.output


def test_what_is_no_bundle_or_holds_no_binary_is_refused(tmp_path: Path) -> None:
    source_only = _bundle(tmp_path, None)
    result = runner.invoke(app, ["twin", str(source_only), "--config", str(_XBEE)])
    assert result.exit_code == 2
    assert "the bundle holds no binary (built source only)" in result.output
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    result = runner.invoke(app, ["twin", str(not_zip), "--config", str(_XBEE)])
    assert result.exit_code == 2
    assert "cannot be read as a zip" in result.output
    no_config = runner.invoke(app, ["twin", str(source_only)])
    assert no_config.exit_code == 2
    assert "give --config" in no_config.output
    stray = runner.invoke(app, ["twin", str(_XBEE), "--config", str(_XBEE)])
    assert stray.exit_code == 2
    assert "--config is for a bundle" in stray.output


def test_a_damaged_or_odd_zip_is_refused_without_a_traceback(tmp_path: Path) -> None:
    program = tmp_path / "node.hex"
    program.write_text(":00000001FF\n" * 50)
    bundle = _bundle(tmp_path, program)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(damaged, "w") as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    raw = bytearray(damaged.read_bytes())
    start = raw.index(b"node.hex", raw.index(b"node.hex") + 1) - 30  # its local header
    body = start + 30 + len("node.hex") + 5
    raw[body : body + 20] = b"\xff" * 20  # the deflate stream, spoilt
    damaged.write_bytes(bytes(raw))
    result = runner.invoke(app, ["twin", str(damaged), "--config", str(_XBEE)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    huge = tmp_path / "huge.zip"
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("manifest.json", " " * 2_000_000 + "{}")
    result = runner.invoke(app, ["twin", str(huge), "--config", str(_XBEE)])
    assert result.exit_code == 2
    assert "larger than any openpcs writes" in result.output
    odd = _bundle(tmp_path, program, binary={"included": "no", "hex": "node.hex"})
    result = runner.invoke(app, ["twin", str(odd), "--config", str(_XBEE)])
    assert result.exit_code == 2
    assert "holds no binary" in result.output
