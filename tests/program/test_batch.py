"""Batch programming: up to 100 nodes from a template and a CSV, Elite only, one failing node
never stops the others, and a report at the end."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from openpcs.program import batch as batch_module
from openpcs.program.batch import read_nodes_csv, run_batch
from openpcs.program.errors import BatchError, BuildError, CompilerMessage
from openpcs.program.pipeline import BuilderChoice

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples" / "batch" / "air-quality-template.yaml"
NODES = ROOT / "examples" / "batch" / "nodes.csv"
SOURCE_ONLY = BuilderChoice(None, "source only (test)")
KEY = "k" * 32


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _serial(index: int) -> str:
    return f"3B{index:014X}"


def test_a_hundred_nodes_with_one_bad_row(tmp_path: Path) -> None:
    rows = [[_serial(i), f"node-{i:03d}", f"{i:032d}"] for i in range(100)]
    rows[41][2] = "short"  # line 43: a key of 5 characters
    nodes = _csv(tmp_path / "nodes.csv", ["serial", "name", "encryption.key"], rows)
    report = run_batch(TEMPLATE, nodes, tmp_path / "out", SOURCE_ONLY, jobs=4)
    assert len(report.rows) == 100
    assert [row.line for row in report.failed] == [43]
    assert report.failed[0].message.startswith("encryption.key:")
    zips = sorted((tmp_path / "out").glob("*.zip"))
    assert len(zips) == 99
    assert not any(path.name.startswith(_serial(41)) for path in zips)
    document = json.loads(report.report_json.read_text())
    assert (document["nodes"], document["bundled"], document["failed"]) == (100, 99, 1)
    assert document["binaries"] == "source only: source only (test)"
    with report.report_csv.open() as handle:
        lines = list(csv.DictReader(handle))
    assert lines[41]["ok"] == "no"
    assert lines[42]["ok"] == "yes"
    assert lines[42]["serial"] == _serial(42)


def test_per_node_values_reach_each_program(tmp_path: Path) -> None:
    header = [
        "serial",
        "name",
        "radio.mac",
        "radio.pan_id",
        "radio.channel",
        "sockets.A.probe",
        "encryption.key",
        "sleep.minutes",
    ]
    row = [_serial(1), "n1", "0013A20041234683", "0012", "0x0E", "gas_so2", KEY]
    nodes = _csv(tmp_path / "octal.csv", header, [[*row, "010"]])
    report = run_batch(TEMPLATE, nodes, tmp_path / "out", SOURCE_ONLY)
    # "010" is not a JSON number: the sleep field refuses it rather than reading octal 8
    assert [row.message for row in report.failed] == [
        "sleep.minutes: Input should be a valid integer"
    ]
    nodes = _csv(tmp_path / "nodes.csv", header, [[*row, "10"]])
    report = run_batch(TEMPLATE, nodes, tmp_path / "out", SOURCE_ONLY)
    assert report.failed == []
    with zipfile.ZipFile(tmp_path / "out" / report.rows[0].bundle) as archive:
        sketch = archive.read("source/openpcs_node/openpcs_node.pde").decode()
        values = archive.read("source/openpcs_node/node_values.cpp").decode()
    assert 'char NODE_DESTINATION_MAC[] = "0013A20041234683";' in values
    assert "uint8_t panId[2] = {0x00, 0x12};" in sketch  # "0012" stays text, not the number 10
    assert 'char NODE_NAME[] = "n1";' in values
    assert "xbee802.setChannel(0x0E);" in sketch
    assert "SENSOR_GASES_PRO_SO2" in sketch
    assert '#define SLEEP_TIME "00:00:10:00"' in sketch


def test_a_build_failure_stays_with_its_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch_module.program_node

    def failing(result, out_dir, choice, **kwargs):  # type: ignore[no-untyped-def]
        if result.config.serial == _serial(2):
            message = CompilerMessage("openpcs_node.pde", 9, 3, "error", "boom", "", "sockets.B")
            raise BuildError("compiling failed: boom", messages=(message,))
        return real(result, out_dir, choice, **kwargs)

    monkeypatch.setattr(batch_module, "program_node", failing)
    rows = [[_serial(i), f"n{i}", KEY] for i in range(1, 4)]
    report = run_batch(
        TEMPLATE,
        _csv(tmp_path / "n.csv", ["serial", "name", "encryption.key"], rows),
        tmp_path / "out",
        SOURCE_ONLY,
        jobs=3,
    )
    assert [(row.serial, row.ok) for row in report.rows] == [
        (_serial(1), True),
        (_serial(2), False),
        (_serial(3), True),
    ]
    assert report.rows[1].message == "compiling failed: boom"


def test_duplicate_serials_fail_the_later_rows(tmp_path: Path) -> None:
    rows = [[_serial(1), "a", KEY], [_serial(2), "b", KEY], [_serial(1).lower(), "c", KEY]]
    header = ["serial", "name", "encryption.key"]
    report = run_batch(
        TEMPLATE, _csv(tmp_path / "n.csv", header, rows), tmp_path / "out", SOURCE_ONLY
    )
    assert [row.ok for row in report.rows] == [True, True, False]
    # serials are hex: the same node in lower case is a duplicate
    assert report.rows[2].message == f"serial {_serial(1)} is already on line 2"


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["name"], [["a"]], "line 1: the header needs a 'serial' column"),
        (["serial", "radio.mca"], [["1", "x"]], "did you mean 'radio.mac'"),
        (["serial", "colour"], [["1", "x"]], "column 'colour' is not a configuration path"),
        (["serial", "name", "name"], [["1", "a", "b"]], "column 'name' appears twice"),
        (["serial", "name"], [["1"]], "line 2: 1 cells for 2 columns"),
        (["serial"], [], "no nodes after the header"),
        (["serial"], [[_serial(i)] for i in range(101)], "101 nodes; a batch holds at most 100"),
        (["serial", "industrial.reads.0.slave"], [["1", "2"]], "goes below 'industrial.reads'"),
        (["serial", "encryption.key.x"], [["1", "2"]], "goes below 'encryption.key'"),
        (["serial", "name", "node_name"], [["1", "a", "b"]], "both set the name"),
    ],
)
def test_unusable_csv_files_are_refused_with_the_line(
    tmp_path: Path, header: list[str], rows: list[list[str]], message: str
) -> None:
    with pytest.raises(BatchError, match=message):
        read_nodes_csv(_csv(tmp_path / "n.csv", header, rows), limit=100)


def test_free_form_calibration_columns_are_accepted(tmp_path: Path) -> None:
    path = _csv(tmp_path / "n.csv", ["serial", "sockets.A.calibration.point_7"], [["1", "2.1"]])
    assert read_nodes_csv(path, limit=100)[0].values == {"sockets.A.calibration.point_7": "2.1"}


def test_batches_are_elite_and_templates_have_no_serial(tmp_path: Path) -> None:
    pro = tmp_path / "pro.yaml"
    pro.write_text(TEMPLATE.read_text().replace("licence: elite", "licence: pro"))
    with pytest.raises(BatchError, match="batch programming needs the Elite licence"):
        run_batch(pro, NODES, tmp_path / "out", SOURCE_ONLY)
    node = tmp_path / "node.yaml"
    node.write_text("serial: 3A00000000000009\n" + TEMPLATE.read_text())
    with pytest.raises(BatchError, match="a batch template has no serial"):
        run_batch(node, NODES, tmp_path / "out", SOURCE_ONLY)
    with pytest.raises(BatchError, match="no such file"):
        run_batch(TEMPLATE, tmp_path / "missing.csv", tmp_path / "out", SOURCE_ONLY)


def test_quoted_cells_keep_their_lines_and_the_line_numbers_count_them(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text('serial,name\n3B01,"two\nlines"\n3b02,b\n', encoding="utf-8")
    first, second = read_nodes_csv(path, limit=100)
    assert (first.line, first.name) == (3, "two\nlines")  # the record ends on line 3
    assert (second.line, second.serial) == (4, "3B02")  # serials in upper case


def test_a_template_with_an_inline_secret_is_refused(tmp_path: Path) -> None:
    inline = tmp_path / "inline.yaml"
    inline.write_text(
        TEMPLATE.read_text().replace(
            "encryption: {mode: device_to_gateway}",
            'encryption: {mode: device_to_gateway, key: "0123456789abcdef0123456789abcdef"}',
        )
    )
    nodes = _csv(tmp_path / "n.csv", ["serial", "name"], [[_serial(1), "a"]])
    with pytest.raises(BatchError, match=r"encryption\.key: a template must not hold secrets"):
        run_batch(inline, nodes, tmp_path / "out", SOURCE_ONLY)


def test_what_the_csv_cannot_fix_stops_the_batch_at_once(tmp_path: Path) -> None:
    nodes = _csv(tmp_path / "n.csv", ["serial", "name"], [[_serial(1), "a"]])
    with pytest.raises(BatchError, match=r"encryption\.key: give the AES key"):
        run_batch(TEMPLATE, nodes, tmp_path / "out", SOURCE_ONLY)  # no key column
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(TEMPLATE.read_text().replace("smart_environment_pro", "smart_toaster"))
    keyed = _csv(tmp_path / "k.csv", ["serial", "encryption.key"], [[_serial(1), KEY]])
    with pytest.raises(BatchError, match="model"):
        run_batch(unknown, keyed, tmp_path / "out", SOURCE_ONLY)
    assert not (tmp_path / "out").exists()


def test_an_unset_env_reference_may_come_from_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NODE_DEV_EUI", raising=False)
    source = ROOT / "examples" / "templates" / "weather-station-lorawan.yaml"
    template = tmp_path / "ws.yaml"
    template.write_text(source.read_text().replace("model:", "licence: elite\nmodel:", 1))
    (tmp_path / "secrets.yaml").write_text((source.parent / "secrets.yaml").read_text())
    nodes = _csv(
        tmp_path / "n.csv",
        ["serial", "name", "radio.dev_eui"],
        [[_serial(1), "ws-1", "0004A30B001C0001"], [_serial(2), "ws-2", "0004A30B001C0002"]],
    )
    report = run_batch(template, nodes, tmp_path / "out", SOURCE_ONLY)
    assert report.failed == []
