"""A values file: the defaults where it is silent, its numbers where it speaks, and a clear
error naming the file and the tag for what the twin cannot measure; ``openpcs twin --values``
refuses a bad file with that error and exit 2, before building anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.config.check import check_file
from openpcs.twin.sensors import ValuesError, load_values, sensors_for
from tests.config.test_examples import NODES


def test_the_defaults_and_a_file_over_them(tmp_path: Path) -> None:
    defaults = load_values(None)
    assert set(defaults) == {
        *("TC", "HUM", "PRES", "BAT", "PM1", "PM2_5", "PM10", "CO", "NO2"),
        *("LUX", "LUM", "NOISE", "TURB"),
    }
    given = tmp_path / "values.yaml"
    given.write_text("TC: 21.5\nBAT: 77\n")
    values = load_values(given)
    assert values == {**defaults, "TC": 21.5, "BAT": 77.0}
    (tmp_path / "empty.yaml").write_text("")
    assert load_values(tmp_path / "empty.yaml") == defaults


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "CO2: 400\n",
            "'CO2': the twin measures TC, HUM, PRES, BAT, PM1, PM2_5, PM10, CO, NO2, LUX, LUM, "
            "NOISE, TURB, not this field",
        ),
        ("TC: warm\n", "TC: 'warm' is not a number"),
        ("TC: .nan\n", "TC: nan is not a number"),
        ("HUM: true\n", "HUM: True is not a number"),
        ("TC: " + "9" * 400 + "\n", "is outside -40..85"),
        ("PRES: 5\n", "PRES: 5 is outside 30000..110000"),
        ("BAT: 50.5\n", "BAT: 50.5 is not a whole number"),
        ("- TC\n", "a mapping of field tags to numbers is expected"),
        ("TC: [1\n", "is not YAML"),
        ("TC: \xff\n", "cannot be read"),
    ],
)
def test_what_the_twin_cannot_measure_is_named(tmp_path: Path, text: str, said: str) -> None:
    given = tmp_path / "values.yaml"
    given.write_bytes(text.encode("latin-1"))
    with pytest.raises(ValuesError, match=f"^{given}: .*") as caught:
        load_values(given)
    assert said in str(caught.value)


def test_the_cli_refuses_a_bad_values_file_with_its_reason(tmp_path: Path) -> None:
    given = tmp_path / "values.yaml"
    given.write_text("BAT: 140\n")
    example = NODES / "smart-environment-pro_xbee-802-15-4_meshlium.yaml"
    result = CliRunner().invoke(app, ["twin", str(example), "--values", str(given)])
    assert result.exit_code == 2
    assert "BAT: 140 is outside 0..100" in result.output
    missing = CliRunner().invoke(app, ["twin", str(example), "--values", str(tmp_path / "no")])
    assert missing.exit_code == 2
    assert "cannot be read" in missing.output


def test_a_node_with_a_bme280_probe_gets_the_chip_and_every_node_its_battery() -> None:
    values = load_values(None)
    with_probe = check_file(NODES / "smart-environment-pro_xbee-802-15-4_meshlium.yaml").config
    assert with_probe is not None
    sensors = sensors_for(with_probe, values)
    # the BME280, and the Gases PRO probes' EEPROM, front end and ADC
    assert set(sensors.chips) == {0x77, 0x50, 0x48, 0x69}
    assert sensors.gases is not None
    assert set(sensors.gases.probes) == {"A", "B"}  # CO and NO2; C (O3) has no model yet
    assert 0 in sensors.analog
    without = check_file(NODES / "smart-agriculture_sigfox.yaml").config
    assert without is not None
    assert sensors_for(without, values).chips == {}
    built_in = check_file(NODES / "ambient-control_xbee-zigbee3_zigbee-receiver.yaml").config
    assert built_in is not None
    ambient = sensors_for(built_in, values)
    # the board's own BME280 and TSL2561, and its LDR on ADC6
    assert set(ambient.chips) == {0x77, 0x39}
    assert set(ambient.analog) == {0, 6}
