"""The check's summary as a sheet people read: the form's sections, labels and choice names,
yes/no, durations, figures in words; secrets only as "set (hidden)"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openpcs.config.check import check_file
from openpcs.web.programming import check_report
from openpcs.web.summary_sheet import summary_sheet
from tests.config.test_examples import EXAMPLES, NODES


def _sheet(name: str) -> dict[str, dict[str, str]]:
    data = check_file(NODES / name).to_dict()["data"]
    return {
        section["title"]: {row["label"]: row["value"] for row in section["rows"]}
        for section in summary_sheet(data["summary"], data)
    }


def test_a_lorawan_node_reads_as_a_sheet() -> None:
    sheet = _sheet("radiation-control_lorawan-au-otaa.yaml")
    assert list(sheet)[:3] == ["At a glance", "Node", "Radiation"]
    assert sheet["Node"]["Model"] == "Radiation Control"
    assert sheet["Sleep"]["Sleeps for"] == "30 minutes"
    radio = sheet["Radio"]
    assert radio["Activation"] == "Over the air (OTAA)"
    assert radio["Adaptive data rate (ADR)"] == "yes"
    assert radio["Confirmed uplinks"] == "no"
    assert radio["Application key (AppKey)"] == "set (hidden)"
    glance = sheet["At a glance"]
    assert glance["Frame"] == "22 B sent of 242 B the radio carries"
    assert glance["Fields in each frame"] == "Radiation (RAD), Battery level (BAT)"
    assert radio["Region"] == "LoRaWAN AU"
    assert glance["One cycle"] == "30 minutes 37 seconds"
    assert glance["Battery life"].startswith("about 702 days (597 usable)")
    assert glance["LoRaWAN air time"] == "DR3: 2.7 s a day"


def test_probes_and_encryption_by_their_names() -> None:
    sheet = _sheet("smart-water_xbee-868lp_meshlium.yaml")
    assert sheet["Probes"]["Socket A"] == "pH"
    assert "Region" not in sheet["Radio"]  # an XBee 868LP is made for one region
    assert "pH, socket A (PH_A)" in sheet["At a glance"]["Fields in each frame"]
    assert "Point 10: 1.985" in sheet["Probes"]["Socket A: calibration"]
    assert sheet["Payload encryption"] == {
        "Mode": "Device to Gateway (AES-256)",
        "AES key": "set (hidden)",
    }
    assert sheet["Protocol and destination"]["Sends to"] == "Meshlium"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_sheet_shows_a_secret_or_a_python_word(path: Path) -> None:
    result = check_file(path)
    data = result.to_dict()["data"]
    text = repr(summary_sheet(data["summary"], data))
    assert result.config is not None
    for name in ("key", "app_key", "nwk_skey", "app_skey", "password", "pin", "link_key"):
        for holder in (result.config.encryption, result.config.radio):
            secret = getattr(holder, name, None)
            if secret is not None and hasattr(secret, "get_secret_value"):
                assert secret.get_secret_value() not in text
    values = [
        row["value"] for section in summary_sheet(data["summary"], data) for row in section["rows"]
    ]
    for value in values:
        assert not re.search(r"\b(True|False|None)\b", value), value
        assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", value), value  # an id, not a name


def test_the_sheet_and_the_text_give_the_same_battery_life() -> None:
    report = check_report(check_file(NODES / "smart-water_xbee-868lp_meshlium.yaml"))
    glance = {row["label"]: row["value"] for row in report["sheet"][0]["rows"]}
    said = re.search(r"about ([\d,]+ days \([\d,]+ usable)", glance["Battery life"])
    assert said is not None
    assert f"battery about {said.group(1)}" in " ".join(report["text"].split())
