"""The zip of "Compile and Download Binary": named and laid out as the guide says, with a
manifest whose hashes match, and never a .hex that was not built."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from openpcs.program.api_tree import find_api_tree
from openpcs.program.build import Builder
from openpcs.program.bundle import BundleContents, bundle_stem, write_bundle
from openpcs.program.pipeline import BuilderChoice, program_node, summary_text
from openpcs.program.source import ProgramSource
from openpcs.program.toolchain import find_toolchain
from tests.program.fake_tree import write_fake_tree
from tests.program.helpers import example_program, example_result
from tests.program.test_build import SKETCH

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
EXAMPLE = "smart-water_xbee-868lp_meshlium"
SERIAL = "5B6C7D8E9FA0B1C2"


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_names_follow_the_guide_in_utc() -> None:
    assert bundle_stem(SERIAL, WHEN) == f"{SERIAL}-26-03-04-05-06-07"
    madrid = datetime(2026, 3, 4, 6, 6, 7, tzinfo=timezone(timedelta(hours=1)))
    assert bundle_stem(SERIAL, madrid) == f"{SERIAL}-26-03-04-05-06-07"


def test_a_source_only_bundle_says_so_and_holds_no_hex(tmp_path: Path) -> None:
    result = example_result(EXAMPLE)
    made = program_node(result, tmp_path, BuilderChoice(None, "no toolchain here"), when=WHEN)
    assert made.build is None
    assert made.bundle.path == tmp_path / f"{SERIAL}-26-03-04-05-06-07-source.zip"
    entries = _entries(made.bundle.path)
    assert sorted(entries) == [
        "manifest.json",
        "source/openpcs_node/node_values.cpp",
        "source/openpcs_node/node_values.h",
        "source/openpcs_node/openpcs_node.pde",
        "summary.txt",
    ]
    manifest = json.loads(entries["manifest.json"])
    assert manifest["binary"] == {"included": False, "reason": "no toolchain here"}
    assert manifest["serial"] == SERIAL
    assert manifest["model"] == "smart_water"
    assert manifest["built_at"] == "2026-03-04T05:06:07Z"
    assert manifest["toolchain"] is None
    assert manifest["config_sha256"] == example_program(EXAMPLE).config_hash
    assert manifest["files"] == {
        name: hashlib.sha256(data).hexdigest()
        for name, data in entries.items()
        if name != "manifest.json"
    }
    assert (
        entries["source/openpcs_node/openpcs_node.pde"].decode()
        == example_program(EXAMPLE).files["openpcs_node.pde"]
    )
    summary = entries["summary.txt"].decode()
    assert "Summary" in summary
    assert "Frame plan" in summary


def test_bundles_are_reproducible(tmp_path: Path) -> None:
    result = example_result(EXAMPLE)
    first = program_node(result, tmp_path / "a", BuilderChoice(None, "none"), when=WHEN)
    second = program_node(result, tmp_path / "b", BuilderChoice(None, "none"), when=WHEN)
    assert first.bundle.path.read_bytes() == second.bundle.path.read_bytes()


def test_the_summary_text_is_the_check_output() -> None:
    text = summary_text(example_result(EXAMPLE))
    assert text.splitlines()[0].endswith(": valid")
    assert SERIAL in text
    assert "********" in text  # the AES key is masked


@pytest.mark.usefixtures("avr_toolchain")
def test_a_built_bundle_holds_the_hex_and_its_figures(tmp_path: Path) -> None:
    tree = write_fake_tree(tmp_path / "api")
    builder = Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")
    program = ProgramSource(
        "openpcs_node.pde",
        {
            "openpcs_node.pde": SKETCH,
            "node_values.h": "extern const unsigned int NODE_VALUE;\n",
            "node_values.cpp": '#include "node_values.h"\nconst unsigned int NODE_VALUE = 3;\n',
        },
        "f" * 64,
    )
    build = builder.build(program, tmp_path / "work", hex_name="x.hex")
    contents = BundleContents(
        serial=SERIAL,
        program=program,
        summary_text="summary\n",
        config_facts={"model": "test"},
        build=build,
        toolchain={"compiler": builder.toolchain.version},
        api_tree=builder.tree.identity(),
    )
    bundle = write_bundle(contents, tmp_path / "out", when=WHEN)
    entries = _entries(bundle.path)
    hex_name = f"{SERIAL}-26-03-04-05-06-07.hex"
    assert entries[hex_name] == build.hex_path.read_bytes()
    manifest = json.loads(entries["manifest.json"])
    assert manifest["binary"]["included"] is True
    assert manifest["binary"]["hex"] == hex_name
    assert manifest["binary"]["flash_bytes"] == build.flash_bytes
    assert manifest["waspmote_api"]["waspmote_api_define"] == "99"
    assert manifest["waspmote_api"]["waspmote_api_version"] == "unknown"  # the test tree has none
    # the tree by its folder's name: the builder's paths stay on its machine
    assert manifest["waspmote_api"]["folder"] == builder.tree.root.name
    assert str(tmp_path) not in entries["manifest.json"].decode()
    assert manifest["files"][hex_name] == hashlib.sha256(entries[hex_name]).hexdigest()
    with zipfile.ZipFile(io.BytesIO(bundle.path.read_bytes())) as archive:
        # DOS times count in steps of 2 s
        assert all(info.date_time == (2026, 3, 4, 5, 6, 6) for info in archive.infolist())
