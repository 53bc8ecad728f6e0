"""Loading configurations: lines, "did you mean", secret/env/file tags, text kept as typed,
templates and their secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openpcs.config.check import check_file, check_text
from openpcs.config.loader import ConfigLoadError, load_config, parse_config_text

BASE = """\
serial: 3F5A1C0B7E2D4A91
model: smart_environment_pro
sockets:
  A: gas_co
radio:
  type: xbee_802_15_4
  mac: 0013A2004133471A
  pan_id: 0012
  channel: 0x0C
destination: {type: meshlium}
"""


def _issues(text: str) -> list[tuple[int | None, str, str]]:
    return [(i.line, i.path, i.message) for i in parse_config_text(text, source="n.yaml").issues]


def test_a_valid_file_loads_and_keeps_text_as_typed() -> None:
    loaded = parse_config_text(BASE, source="n.yaml")
    assert loaded.issues == []
    assert loaded.value is not None
    radio = loaded.value.radio
    assert radio.type == "xbee_802_15_4"
    assert radio.pan_id == "0012"  # YAML would read 0012 as octal 10
    assert radio.channel == 12  # int | str keeps the number YAML read
    assert loaded.located.lines[("radio", "pan_id")] == 8


def test_long_digit_strings_in_text_fields_are_text_not_numbers_too_large() -> None:
    loaded = parse_config_text(
        BASE.replace("pan_id: 0012", "pan_id: 123456789012345678901234567890"), source="n.yaml"
    )
    assert loaded.raw["radio"]["pan_id"] == "123456789012345678901234567890"
    assert all("too large" not in issue.message for issue in loaded.issues)


def test_unknown_keys_get_a_did_you_mean_with_the_line() -> None:
    found = _issues(BASE.replace("  channel: 0x0C", "  chanel: 0x0C"))
    assert (9, "radio.chanel", "unknown key 'chanel'; did you mean 'channel'?") in found
    found = _issues(BASE + "sleeps: {minutes: 5}\n")
    assert (11, "sleeps", "unknown key 'sleeps'; did you mean 'sleep'?") in found


def test_a_wrong_union_tag_names_the_choices() -> None:
    (issue,) = _issues(BASE.replace("type: xbee_802_15_4", "type: xbee_802_15"))
    line, path, message = issue
    assert (line, path) == (6, "radio.type")
    assert "must be one of" in message
    assert "did you mean 'xbee_802_15_4'?" in message


def test_type_errors_carry_path_and_line() -> None:
    found = _issues(BASE + "sleep: {minutes: ten}\n")
    assert found[0][:2] == (11, "sleep.minutes")


def test_a_missing_required_key() -> None:
    assert (None, "model", "is required") in [
        (None, p, m) for _, p, m in _issues(BASE.replace("model: smart_environment_pro\n", ""))
    ]


def test_a_key_given_twice() -> None:
    found = _issues(BASE + "model: smart_cities_pro\n")
    assert (11, "model", "'model' is given twice") in found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "n.yaml: the file is empty"),
        ("- a\n- b\n", "n.yaml line 1: a configuration is a mapping"),
        ("serial: [1,\n", "n.yaml line 2:"),
        ("a: b\n  c: d\n", "n.yaml line 2:"),
    ],
)
def test_unreadable_text(text: str, message: str) -> None:
    with pytest.raises(ConfigLoadError, match=message.replace("[", r"\[")):
        parse_config_text(text, source="n.yaml")


def test_secret_env_and_file_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secrets.yaml").write_text("link: 0123456789ABCDEF\n")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("AES_KEY", "K" * 32)
    monkeypatch.setenv("OPENPCS_SECRET_APN_PIN", "1234")
    text = BASE + (
        "encryption: {mode: device_to_gateway, key: !env AES_KEY}\n"
        "x_file: !file ca.pem\n"
        "x_pin: !secret apn_pin\n"
    )
    text = text.replace("  channel: 0x0C", "  channel: 0x0C\n  link_key: !secret link")
    loaded = parse_config_text(text, source="n.yaml", base_dir=tmp_path)
    assert loaded.raw["radio"]["link_key"] == "0123456789ABCDEF"
    assert loaded.raw["encryption"]["key"] == "K" * 32
    assert loaded.raw["x_file"].startswith("-----BEGIN")
    assert loaded.raw["x_pin"] == "1234"
    assert ("radio", "link_key") in loaded.located.references
    assert ("encryption", "key") in loaded.located.references


def test_missing_secret_env_and_file_are_errors_with_lines(tmp_path: Path) -> None:
    text = BASE.replace("  channel: 0x0C", "  channel: 0x0C\n  link_key: !secret nope")
    text += "encryption: {mode: device_to_gateway, key: !env OPENPCS_TEST_UNSET}\n"
    text = text.replace(
        "destination: {type: meshlium}",
        "destination: {type: meshlium, certificate: !file gone.pem}",
    )
    found = [
        (i.line, i.path) for i in parse_config_text(text, source="n.yaml", base_dir=tmp_path).issues
    ]
    assert (10, "radio.link_key") in found
    assert (12, "encryption.key") in found
    assert (11, "destination.certificate") in found


def test_json_files_load_with_lines(tmp_path: Path) -> None:
    document = {
        "serial": "3F5A1C0B7E2D4A91",
        "model": "smart_environment_pro",
        "radio": {"type": "sigfox", "colour": "red"},
    }
    path = tmp_path / "n.json"
    path.write_text(json.dumps(document, indent=2))
    loaded = load_config(path)
    assert [(i.line, i.path) for i in loaded.issues] == [(6, "radio.colour")]
    path.write_text('{"serial": 1,}')
    with pytest.raises(ConfigLoadError, match=r"n\.json line 1: invalid JSON"):
        load_config(path)
    with pytest.raises(ConfigLoadError, match="no such file"):
        load_config(tmp_path / "missing.yaml")


TEMPLATE = """\
model: smart_environment_pro
sockets: {{A: gas_co}}
radio:
  type: xbee_802_15_4
  mac: 0013A2004133471A
  pan_id: "1234"
  channel: 12
  link_key: {link}
destination: {{type: meshlium}}
"""


def test_a_template_holds_no_inline_secret(tmp_path: Path) -> None:
    (tmp_path / "secrets.yaml").write_text("link: 0123456789ABCDEF\n")
    inline = check_text(
        TEMPLATE.format(link="0123456789ABCDEF"), source="t.yaml", base_dir=tmp_path
    )
    assert [(i.rule, i.path) for i in inline.errors] == [("template-secrets", "radio.link_key")]
    referenced = check_text(
        TEMPLATE.format(link="!secret link"), source="t.yaml", base_dir=tmp_path
    )
    assert referenced.errors == []
    assert [w.path for w in referenced.warnings if w.rule == "serial"] == ["serial"]


def test_a_template_is_instantiated_with_serial_and_name(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE.format(link="!secret link"))
    (tmp_path / "secrets.yaml").write_text("link: 0123456789ABCDEF\n")
    result = check_file(path, serial="0011223344556677", name="node_007")
    assert result.errors == []
    assert result.config is not None
    assert (result.config.serial, result.config.node_name) == ("0011223344556677", "node_007")
    assert result.template
    bad = check_file(path, serial="0011")
    assert [i.path for i in bad.errors] == ["serial"]


def test_a_value_no_union_member_takes_is_one_error_at_its_own_path() -> None:
    """``radio.channel`` is a number or a text: pydantic names each member it tried
    (``radio.channel.int``), which is no path of the document."""
    from openpcs.config.check import check_data

    document = {
        "serial": "1A2B3C4D5E6F7081",
        "model": "smart_environment_pro",
        "radio": {"type": "xbee_802_15_4", "mac": "0013A20040A1B2C3", "pan_id": "1234"},
    }
    document["radio"]["channel"] = [12]
    errors = [(i.path, i.message) for i in check_data(document).errors]
    assert ("radio.channel", "Input should be a valid integer, or a valid string") in errors
    assert not [path for path, _ in errors if path.startswith("radio.channel.")]


def test_two_errors_at_one_path_that_are_not_a_union_stay_apart() -> None:
    """A socket letter that does not exist with a value of the wrong kind: two things to fix,
    not a choice between them."""
    from openpcs.config.check import check_data

    errors = [
        (i.path, i.message)
        for i in check_data({"model": "smart_water", "sockets": {"Z": 5}}).errors
    ]
    assert ("sockets.Z", "must be one of 'A', 'B', 'C', 'D', 'E' or 'F' (got 'Z')") in errors
    assert ("sockets.Z", "Input should be a valid dictionary or instance of SocketConfig") in errors
