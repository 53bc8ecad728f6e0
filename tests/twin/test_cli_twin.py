"""``openpcs twin`` refuses what it cannot run with the reason and exit 2, a configuration
with errors with its findings and exit 1; with a real Waspmote API (``WASPMOTE_API_DIR``,
skipped with the reason when absent) the XBee 802.15.4 → Meshlium, LoRaWAN US OTAA, LoRaWAN
JP/KR OTAA (the ABZ module, joining every cycle), Sigfox, 4G HTTP and WiFi TCP examples run
three cycles and a gateway stores each cycle's frames (the 4G
and WiFi modules' requests reach it while the node runs), the LoRaWAN uplinks with
a counter that rises every uplink and the readings equal to the values the sensors were given
(the BME280's, the CO probe's and the LDR's to their resolution)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.config.check import check_file
from openpcs.program.api_tree import API_DIR_ENV
from openpcs.program.pipeline import choose_builder
from openpcs.twin.gateway_link import local_gateway
from openpcs.twin.run import build_for_twin, run_twin
from openpcs.twin.sensors import load_values
from tests.config.test_examples import NODES

runner = CliRunner()
_XBEE = NODES / "smart-environment-pro_xbee-802-15-4_meshlium.yaml"
_LORAWAN = NODES / "smart-environment-pro_lorawan-us-otaa.yaml"
_SIGFOX = NODES / "smart-agriculture_sigfox.yaml"
_CELLULAR = NODES / "smart-environment-pro_4g_http.yaml"
_WIFI = NODES / "smart-agriculture_wifi_tcp.yaml"
_ABZ = NODES / "ambient-control_lorawan-jp-kr-otaa.yaml"
_PLANNED = {_XBEE: {"TC", "HUM", "PRES", "BAT"}, _LORAWAN: {"TC", "HUM", "PRES", "BAT"}}
_PLANNED[_SIGFOX] = {"ANE", "WV", "PLV1", "PLV2", "PLV3", "SOIL_C", "BAT"}
_PLANNED[_CELLULAR] = {"CO", "PM1", "PM2_5", "PM10", "TC", "HUM", "PRES", "BAT"}
_PLANNED[_WIFI] = {"TC", "HUM", "PRES", "BAT"}
_PLANNED[_ABZ] = {"TC", "HUM", "PRES", "LUM", "LUX", "BAT"}


def test_without_an_api_tree_the_twin_says_it_cannot_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(API_DIR_ENV, raising=False)
    result = runner.invoke(app, ["twin", str(_XBEE)])
    assert result.exit_code == 2
    assert "the twin runs a built program, and none can be built" in result.output


def test_a_gateway_without_a_token_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["twin", str(_XBEE), "--gateway", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "--gateway needs --token" in result.output


def test_a_configuration_with_errors_is_not_run(tmp_path: Path) -> None:
    broken = tmp_path / "node.yaml"
    broken.write_text(_XBEE.read_text().replace("model: smart_environment_pro", "model: nope"))
    result = runner.invoke(app, ["twin", str(broken)])
    assert result.exit_code == 1


@pytest.mark.usefixtures("avr_toolchain")
@pytest.mark.parametrize(
    "example", list(_PLANNED), ids=["xbee", "lorawan", "sigfox", "4g", "wifi", "lorawan-abz"]
)
def test_the_examples_run_three_cycles_into_a_gateway(tmp_path: Path, example: Path) -> None:
    api_dir = os.environ.get(API_DIR_ENV)
    if not api_dir:
        pytest.skip(f"needs a Waspmote API tree: set {API_DIR_ENV}")
    result = check_file(example)
    built = build_for_twin(result, choose_builder(api_dir), tmp_path)
    assert built.loop_address > 0
    values = {**load_values(None), "TC": 21.5, "HUM": 48.2, "PRES": 100_800.0, "BAT": 77.0}
    values |= {"CO": 12.5, "PM1": 4.25, "PM2_5": 9.5, "PM10": 18.75, "LUX": 420.0, "LUM": 2.0}
    with local_gateway() as gateway:
        report = run_twin(
            result, built, cycles=3, gateway=gateway, values=values, cache_root=tmp_path
        )
        readings = gateway.readings(report.serial)
    assert [c.number for c in report.cycles] == [1, 2, 3]
    for cycle in report.cycles:
        assert cycle.deliveries
        assert {s.status for s in cycle.stored} == {"ok"}
        tags = {f["tag"] for frame in cycle.frames for f in frame["fields"]}
        assert _PLANNED[example] <= tags
    assert len({r["frame_id"] for r in readings}) == sum(len(c.stored) for c in report.cycles)
    assert report.setup[0].text.startswith("openpcs ")
    # the gateway holds what the sensors measured (the BME280 to its resolution)
    stored = {(r["frame_id"], r["sensor"]): r["value"] for r in readings}
    for (_, tag), value in stored.items():
        if tag == "BAT":
            assert value == 77
        if tag in ("TC", "HUM", "PRES"):
            assert value == pytest.approx(values[tag], abs={"TC": 0.005, "HUM": 0.05}.get(tag, 0.5))
        if tag in ("PM1", "PM2_5", "PM10"):
            assert value == values[tag]
        if tag == "CO":  # to what four ADC codes give
            assert value == pytest.approx(values[tag], abs=0.01)
        if tag == "LUX":
            assert value == values[tag]
        if tag == "LUM":  # to the ADC's step, 3.3 V / 1023
            assert value == pytest.approx(values[tag], abs=0.002)
    assert [c.problem for c in report.cycles if c.problem and "read" in c.problem] == []
    sent = [d for c in report.cycles for d in c.deliveries]
    if example == _LORAWAN:
        assert [int(d.meta["f_cnt"]) for d in sent] == list(range(len(sent)))
    if example == _ABZ:  # a new OTAA session every cycle, each counting from 0
        assert [int(d.meta["f_cnt"]) for d in sent] == [0] * len(sent) == [0, 0, 0]
