"""Broken and hostile configuration text: always an issue or a ConfigLoadError, never a crash,
a hang or a file outside the configuration's folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openpcs.config.check import check_file, check_text
from openpcs.config.loader import ConfigLoadError, load_config, parse_config_text

VALID = """\
serial: 3F5A1C0B7E2D4A91
model: ambient_control
radio: {type: sigfox}
"""


def _messages(text: str, base_dir: Path | None = None) -> list[tuple[str, str]]:
    return [
        (i.path, i.message)
        for i in parse_config_text(text, source="h.yaml", base_dir=base_dir).issues
    ]


def test_an_alias_that_contains_itself() -> None:
    found = _messages(VALID + "loop: &x [*x]\n")
    assert ("loop[0]", "this value refers to itself (a YAML alias loop)") in found
    found = _messages(VALID.replace("radio: {type: sigfox}", "radio: &r {type: sigfox, x: *r}"))
    assert ("radio.x", "this value refers to itself (a YAML alias loop)") in found


def test_exponential_aliases_are_stopped() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    with pytest.raises(ConfigLoadError, match="more than 20000 values"):
        parse_config_text("\n".join(lines) + "\n", source="h.yaml")


def test_doubling_merge_keys_stay_small() -> None:
    """Each level merges the one before twice: a merge that copied every pair (as PyYAML did
    before its merge-key fix, hence the version required) would build 2**40 pairs."""
    lines = ["a0: &a0 {x: 1, y: 2}"]
    for level in range(1, 41):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} {{<<: [{previous}, {previous}], k{level}: 1}}")
    loaded = parse_config_text("\n".join(lines) + "\n", source="h.yaml")
    assert len(loaded.raw["a40"]) == 42
    assert loaded.raw["a40"]["x"] == 1


def test_fanned_out_merge_keys_stay_small() -> None:
    """Eight mappings each merge the level before, and the next level merges all eight: 8**12
    pairs if every merge copied them."""
    lines = ["n0: &n0 {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7}"]
    for level in range(1, 13):
        names = [f"x{level}_{index}" for index in range(8)]
        lines += [f"{name}: &{name} {{<<: *n{level - 1}}}" for name in names]
        lines.append(f"n{level}: &n{level} {{<<: [{', '.join('*' + n for n in names)}]}}")
    loaded = parse_config_text("\n".join(lines) + "\n", source="h.yaml")
    assert loaded.raw["n12"] == {f"k{index}": index for index in range(8)}


def test_merge_keys_work() -> None:
    text = "base: &b {model: ambient_control, radio: {type: sigfox}}\n"
    loaded = parse_config_text(text + "<<: *b\nserial: 3F5A1C0B7E2D4A91\n", source="h.yaml")
    assert [i.path for i in loaded.issues] == ["base"]  # only the helper key is unknown
    assert loaded.raw["model"] == "ambient_control"


@pytest.mark.parametrize(
    ("extra", "path", "message"),
    [
        ("!foo odd: 1\n", "", "keys are plain words"),
        ("null: 1\n", "", "keys are plain words"),
        ("1: 1\n", "", "keys are plain words"),
        ("x: !foo 1\n", "x", "could not determine a constructor"),
        ("sleep: !foo {minutes: 5}\n", "sleep", "unknown tag !foo on a mapping"),
        ("sleep: !secret {minutes: 5}\n", "sleep", "unknown tag !secret on a mapping"),
        ("sleep: {minutes: " + "9" * 5001 + "}\n", "sleep.minutes", "this number is too large"),
        ("sleep: {minutes: 0x" + "F" * 3700 + "}\n", "sleep.minutes", "this number is too large"),
        ("sleep: {minutes: true}\n", "sleep.minutes", "Input should be a valid integer"),
        ("sleep: {minutes: 10.5}\n", "sleep.minutes", "Input should be a valid integer"),
    ],
)
def test_odd_keys_tags_and_numbers(extra: str, path: str, message: str) -> None:
    found = _messages(VALID + extra)
    assert any(p == path and message in m for p, m in found), found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model: ambient\x00control\n", "not readable as YAML"),
        ("x: " + "[" * 600 + "]" * 600 + "\n", "nested too deeply"),
        ("a:\n" + "".join(" " * (2 * i) + f"  k{i}:\n" for i in range(60)), "nested too deeply"),
    ],
)
def test_unreadable_text_is_a_load_error(text: str, message: str) -> None:
    with pytest.raises(ConfigLoadError, match=message):
        parse_config_text(text, source="h.yaml")


def test_deep_json_and_huge_json_numbers_are_load_errors(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"x": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(ConfigLoadError, match="nested too deeply"):
        load_config(path)
    path.write_text('{"sleep": {"minutes": ' + "9" * 5001 + "}}")
    with pytest.raises(ConfigLoadError, match="a number is too large"):
        load_config(path)


def test_json_yaml_cannot_read_still_loads(tmp_path: Path) -> None:
    document = {
        "serial": "3F5A1C0B7E2D4A91",
        "model": "ambient_control",
        "radio": {"type": "sigfox"},
    }
    tabbed = tmp_path / "tabs.json"
    tabbed.write_text(json.dumps(document, indent="\t"))
    assert load_config(tabbed).value is not None
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(document).encode())
    assert load_config(bom).value is not None
    long_key = tmp_path / "long.json"
    long_key.write_text(json.dumps(document | {"k" * 2000: 1}))
    loaded = load_config(long_key)
    assert [i.path for i in loaded.issues] == ["k" * 2000]


def test_file_tag_stays_beside_the_configuration(tmp_path: Path) -> None:
    outside = tmp_path / "outside.pem"
    outside.write_text("secret")
    folder = tmp_path / "node"
    folder.mkdir()
    (folder / "big.pem").write_text("x" * (70 * 1024))
    os.mkfifo(folder / "pipe")
    cases = {
        "!file /etc/hostname": "beside the configuration only",
        "!file ../outside.pem": "beside the configuration only",
        "!file /dev/zero": "beside the configuration only",
        "!file pipe": "no file pipe beside the configuration",
        "!file big.pem": "larger than 64 KiB",
        '!file "\\0"': "cannot read file",
        "!file .": "no file . beside the configuration",
    }
    for tag, message in cases.items():
        found = _messages(VALID.replace("serial: 3F5A1C0B7E2D4A91", f"serial: {tag}"), folder)
        assert any(p == "serial" and message in m for p, m in found), (tag, found)
    assert any("only in a configuration file" in m for _, m in _messages("serial: !file x.pem\n"))


def test_secrets_keep_their_text_and_bad_secret_files_fail_cleanly(tmp_path: Path) -> None:
    (tmp_path / "secrets.yaml").write_text("pin: 0012\n")
    text = VALID.replace(
        "radio: {type: sigfox}", "radio: {type: 4g, region: eu_br, apn: x, pin: !secret pin}"
    )
    loaded = parse_config_text(text, source="h.yaml", base_dir=tmp_path)
    assert loaded.value is not None
    assert loaded.value.radio.pin.get_secret_value() == "0012"  # type: ignore[union-attr]
    (tmp_path / "secrets.yaml").write_bytes(b"pin: \xff\xfe\n")
    with pytest.raises(ConfigLoadError, match=r"secrets\.yaml: cannot read"):
        parse_config_text(text, source="h.yaml", base_dir=tmp_path)


def test_a_node_name_with_spaces_is_a_warning_and_planned_as_sent(tmp_path: Path) -> None:
    result = check_text(VALID + "node_name: my node\n", source="h.yaml")
    assert result.errors == []
    assert result.plan is not None
    assert result.plan.header_size == 15 + len("my_node")
    path = tmp_path / "n.yaml"
    path.write_text(VALID)
    assert check_file(path, name="my node").errors == []


def test_an_instantiated_serial_has_no_line_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("model: ambient_control\nradio: {type: sigfox}\n")
    (issue,) = check_file(path, serial="0011").errors
    assert (issue.path, issue.line) == ("serial", None)


def test_a_destination_without_type_and_a_wrong_socket_read_well() -> None:
    found = _messages(VALID + "destination: {host: x}\nsockets: {G: bme280}\n")
    assert ("destination.type", "is required to tell which kind this is") in found
    assert any(p == "sockets.G" and "must be one of" in m for p, m in found), found
