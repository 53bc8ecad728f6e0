"""Generate-and-grep: every example's program has the calls its configuration asks for, with
the configured values, adds exactly the planned fields, and keeps secrets in node_values.cpp."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openpcs.program.errors import GenerationError
from openpcs.program.generator import generate_checked, verify_fields
from tests.config.helpers import LORAWAN_ABP, XBEE_802, check, config
from tests.program.expectations import expected_calls
from tests.program.helpers import (
    EXAMPLES,
    SKETCH,
    added_constants,
    coverage_programs,
    example_program,
    example_result,
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_program_has_the_configured_calls(path: Path) -> None:
    result = example_result(path.stem)
    assert result.config is not None
    assert result.plan is not None
    program = example_program(path.stem)
    sketch = program.files[SKETCH]
    missing = [call for call in expected_calls(result.config, result.plan) if call not in sketch]
    assert missing == []
    assert added_constants(sketch) == [f.sensor.api_constants[0] for f in result.plan.fields]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_secrets_only_in_the_node_values_file(path: Path) -> None:
    config = example_result(path.stem).config
    assert config is not None
    program = example_program(path.stem)
    secrets = [
        value.get_secret_value()
        for section in (config.radio, config.destination, config.encryption)
        if section is not None
        for value in vars(section).values()
        if hasattr(value, "get_secret_value")
    ]
    for secret in secrets:
        assert secret not in program.files[SKETCH]
        assert secret not in program.files["node_values.h"]
        assert f'[] = "{secret}";' in program.files["node_values.cpp"]
    assert f'char NODE_SERIAL[] = "{config.serial}";' in program.files["node_values.cpp"]


def test_smart_water_calibration_values_reach_the_program() -> None:
    sketch = example_program("smart-water_xbee-868lp_meshlium").files[SKETCH]
    assert "probeA.setCalibrationPoints(1.985, 2.07, 2.227, 23.7);" in sketch
    assert "probeB.setCalibrationPoints(2.65, 0.0);" in sketch
    assert "probeC.setCalibrationPoints(10500.0, 197.0, 40000.0, 150.0);" in sketch
    assert "probeE.readORP() - 0.012" in sketch
    # pH is compensated with the water temperature read before it
    assert "probeA.pHConversion(probeA.readpH(), waterTemperature)" in sketch
    assert sketch.index("waterTemperature = probeD.readTemperature();") < sketch.index(
        "probeA.pHConversion"
    )


def test_ion_calibration_points_in_their_order() -> None:
    sketch = example_program("smart-water-ions-pro_xbee-868lp_cloud-bridge").files[SKETCH]
    assert "const float probeAVolts[] = {2.03, 2.09, 2.15};" in sketch
    assert "const float probeAPpm[] = {10.0, 100.0, 1000.0};" in sketch
    assert "probeA.setCalibrationPoints(probeAVolts, probeAPpm, 3);" in sketch
    assert "probeC.setpHCalibrationPoints(1.985, 2.07, 2.227, 22.0);" in sketch


def test_events_and_the_relay_follow_the_form() -> None:
    sketch = example_program("smart-security_4g_cloud-bridge").files[SKETCH]
    # a wake-up event keeps the board powered while asleep and reads which probe fired
    assert "PWR.deepSleep(text, RTC_OFFSET, RTC_ALM1_MODE1, SENSOR_ON);" in sketch
    assert "Events.loadInt();" in sketch
    pir = sketch.index("if (sensorInterrupt && probeA.getInt())")
    hall = sketch.index("if (sensorInterrupt && probeC.getInt())")
    # only the "wake up + relay" probe (socket A) switches the relay on
    assert "relayTrigger();" in sketch[pir:hall]
    assert "relayTrigger();" not in sketch[hall : sketch.index("if (due || event)")]
    assert "relayOffAt = RTC.getEpochTime() + 30UL;" in sketch


def test_rain_gauge_pulses_are_counted_while_asleep() -> None:
    sketch = example_program("smart-agriculture_xbee-900hp_meshlium").files[SKETCH]
    assert "probeA.storePulse();" in sketch
    expected = (
        "Agriculture.sleepAgr(text, RTC_OFFSET, RTC_ALM1_MODE1, SENSOR_ON, SENS_AGR_PLUVIOMETER);"
    )
    assert expected in sketch
    assert "Agriculture.OFF();" not in sketch  # the gauge stays powered


def test_gas_probes_warm_up_powered_before_reading() -> None:
    sketch = example_program("smart-environment-pro_xbee-802-15-4_meshlium").files[SKETCH]
    warmup = sketch.index("PWR.deepSleep(WARMUP_TIME, RTC_OFFSET, RTC_ALM1_MODE1, ALL_ON);")
    assert sketch.index("probeAStarted = probeA.ON() == 1;") < warmup
    assert warmup < sketch.index("probeA.getConc()")
    assert '#define WARMUP_TIME "00:00:02:00"' in sketch


def test_every_probe_in_every_socket_generates_its_planned_fields() -> None:
    programs = coverage_programs()
    assert len(programs) > 100
    for name, program in programs:
        assert added_constants(program.files[SKETCH]), name
        assert "// [config: sockets." in program.files[SKETCH] or name.startswith(
            ("ambient", "radiation")
        )


LORAWAN_OTAA = {
    "type": "lorawan",
    "region": "us",
    "activation": "otaa",
    "dev_eui": "0004A30B001C0530",
    "app_eui": "70B3D57ED0001234",
    "app_key": "00112233445566778899AABBCCDDEEFF",
}
VARIANTS = {
    "lorawan-confirmed-port-7-dr-2": {
        "radio": {**LORAWAN_ABP, "confirmed": True, "port": 7, "data_rate": 2, "adr": False},
        "destination": None,
    },
    "lorawan-otaa": {"radio": LORAWAN_OTAA, "destination": None},
    "xbee-link-key-5-attempts": {
        "radio": {**XBEE_802, "link_key": "0123456789abcdef", "attempts": 5, "channel": "0x17"}
    },
    "xbee-fragments": {
        "sockets": {
            "A": "gas_co",
            "B": "gas_no2",
            "C": "gas_o3",
            "D": "particle_matter",
            "E": "bme280",
            "F": "gas_so2",
        },
        "radio": {**XBEE_802, "fragments": True},
        "gps": {"timeout_s": 90, "fields": ["location", "altitude", "speed", "course"]},
    },
    "modbus-two-reads": {
        "industrial": {
            "protocol": "modbus_rs485",
            "baud_rate": 19200,
            "reads": [
                {"slave": 17, "start_register": 0, "count": 2},
                {"slave": 3, "start_register": 200, "count": 1},
            ],
        },
    },
    "canbus": {
        "industrial": {
            "protocol": "canbus",
            "speed_kbps": 250,
            "operations": ["engine_rpm", "fuel_level"],
        },
    },
    "device-to-cloud-aes-128": {
        "encryption": {"mode": "device_to_cloud", "key": "0123456789ABCDEF"},
    },
}


@pytest.mark.parametrize("changes", list(VARIANTS.values()), ids=list(VARIANTS))
def test_each_option_reaches_the_program(changes: dict[str, object]) -> None:
    result = check(config(licence="elite", **changes))
    assert result.errors == [], [f"{i.path}: {i.message}" for i in result.errors]
    assert result.config is not None
    assert result.plan is not None
    sketch = generate_checked(result).files[SKETCH]
    missing = [c for c in expected_calls(result.config, result.plan) if c not in sketch]
    assert missing == []
    assert added_constants(sketch) == [f.sensor.api_constants[0] for f in result.plan.fields]


def test_can_bus_operations_call_their_getters() -> None:
    sketch = generate_checked(check(config(licence="elite", **VARIANTS["canbus"]))).files[SKETCH]
    assert "if (CAN.ON(250))" in sketch
    assert "frame.addSensor(SENSOR_CANBUS_RPM, (int)(CAN.getEngineRPM()));" in sketch
    assert "frame.addSensor(SENSOR_CANBUS_FL, (int)(CAN.getFuelLevel()));" in sketch


def test_fragments_are_cut_to_the_radio_room() -> None:
    result = check(config(licence="elite", **VARIANTS["xbee-fragments"]))
    assert result.plan is not None
    assert result.plan.fragments
    sketch = generate_checked(result).files[SKETCH]
    assert "frame.isFragmentationNeeded(100)" in sketch
    assert "frame.createFragmentHeader(100);" in sketch
    assert (
        "xbee802.send(NODE_DESTINATION_MAC, frame.bufferFragment, frame.lengthFragment)" in sketch
    )
    # GPS text fields are cut to the length the plan sized them at
    assert "strncpy(text, GPS.altitude, 8);" in sketch


def test_the_same_configuration_gives_the_same_bytes() -> None:
    first = generate_checked(example_result("smart-security_4g_cloud-bridge"))
    again = generate_checked(example_result("smart-security_4g_cloud-bridge"))
    assert first.files == again.files
    assert first.config_hash == again.config_hash


def test_nodes_of_one_template_differ_only_in_their_node_values() -> None:
    def node(serial: str, name: str, key: str) -> dict[str, str]:
        data = config(licence="elite", encryption={"mode": "device_to_gateway", "key": key})
        data |= {"serial": serial, "node_name": name}
        return generate_checked(check(data)).files

    one = node("3F5A1C0B7E2D4A91", "north", "k" * 32)
    two = node("3F5A1C0B7E2D4A92", "south", "q" * 32)
    assert one[SKETCH] == two[SKETCH]  # so the compiled sketch is shared
    assert one["node_values.h"] == two["node_values.h"]
    assert one["node_values.cpp"] != two["node_values.cpp"]
    assert 'char NODE_NAME[] = "south";' in two["node_values.cpp"]


def test_templates_and_configurations_with_errors_have_no_program() -> None:
    template = check(config(serial=None))
    with pytest.raises(GenerationError, match="serial: a template has no program"):
        generate_checked(template)
    broken = check(config(sockets={"A": "ph"}))
    with pytest.raises(GenerationError, match="the configuration has errors, fix them first"):
        generate_checked(broken)


def test_a_program_that_strays_from_the_plan_is_refused() -> None:
    result = example_result("smart-water_xbee-868lp_meshlium")
    assert result.plan is not None
    sketch = example_program("smart-water_xbee-868lp_meshlium").files[SKETCH]
    swapped = sketch.replace("SENSOR_WATER_DO", "SENSOR_WATER_XX")
    with pytest.raises(GenerationError, match="the frame plan has"):
        verify_fields(swapped, result.plan)


def _program_of(**changes: object) -> str:
    result = check(config(licence="elite", **changes))
    assert result.errors == [], [f"{i.path}: {i.message}" for i in result.errors]
    return generate_checked(result).files[SKETCH]


def test_long_sleeps_are_chained_in_alarms_of_at_most_six_days() -> None:
    sketch = _program_of(sleep={"days": 9}, watchdog={"minutes": 13_000})
    assert '#define SLEEP_TIME "09:00:00:00"' in sketch
    assert "nextCycle = now + SLEEP_SECONDS;" in sketch  # the loop keeps time on the RTC
    assert "if (seconds > 6UL * 86400UL)" in sketch
    assert "PWR.deepSleep(SLEEP_TIME" not in sketch  # never one alarm for the whole sleep
    # a watchdog of a day or more is set on alarm 2 as days, hours and minutes
    assert "RTC.setAlarm2(9, 0, 40, RTC_OFFSET, RTC_ALM2_MODE2);" in sketch
    assert "RTC.setWatchdog(" not in sketch


def test_each_cycle_reopens_the_noise_sensor_and_powers_the_weather_station() -> None:
    programs = dict(coverage_programs())
    noisy = next(p for p in programs.values() if "noise.getSPLA" in p.files[SKETCH])
    sketch = noisy.files[SKETCH]
    assert sketch.index("noise.configure();") < sketch.index("noise.getSPLA(SLOW_MODE)")
    assert sketch.index("noise.configure();") > sketch.index("void measureAndSend()")
    station = next(p for p in programs.values() if "weatherStation " in p.files[SKETCH])
    sketch = station.files[SKETCH]
    reading = sketch[sketch.index("void measureAndSend()") :]
    assert "probeE.ON();\n  delay(10000);" in reading
    assert "probeE.OFF();" in reading


def test_cities_pro_gases_are_compensated_with_the_bme280_temperature() -> None:
    sketch = _program_of(model="smart_cities_pro", sockets={"B": "gas_no2", "E": "bme280"})
    measuring = sketch[sketch.index("void measureAndSend()") :]
    assert measuring.index("airTemperature = probeE.getTemperature();") < measuring.index(
        "PWR.deepSleep(WARMUP_TIME"
    )
    assert "probeB.getConc(airTemperature)" in measuring


def test_the_aqualabo_menu_takes_only_a_parameter_number() -> None:
    programs = dict(coverage_programs())
    menu = next(p for p in programs.values() if "calibrationMenuE()" in p.files[SKETCH])
    sketch = menu.files[SKETCH]
    assert "if (key >= '1' && key <= '" in sketch  # Enter's '\\r' is skipped


def test_each_fragment_gets_its_own_header() -> None:
    sketch = _program_of(
        **VARIANTS["xbee-fragments"],
        encryption={"mode": "device_to_gateway", "key": "0123456789ABCDEF"},
    )
    loop = sketch[sketch.index("    do\n") : sketch.index("} while (pending > 0);")]
    assert loop.index("frame.createFragmentHeader(") < loop.index("frame.generateFragment();")
    assert loop.index("frame.generateFragment();") < loop.index("frame.encryptFragment(AES_128")


def test_the_lorawan_module_is_set_up_once_per_settings() -> None:
    def program(**radio: object) -> dict[str, str]:
        result = check(config(radio={**LORAWAN_ABP, **radio}, destination=None))
        return generate_checked(result).files

    first = program()
    assert "if (loraWANSetUp() || LoRaWAN.ON(SOCKET0) != LORAWAN_ANSWER_OK)" in first[SKETCH]
    assert "markLoRaWANSetUp();" in first[SKETCH]
    tag = re.search(r'char NODE_LORAWAN_TAG\[\] = "([0-9A-F]{8})";', first["node_values.cpp"])
    assert tag is not None
    assert tag.group(1) in program(port=9)["node_values.cpp"]  # the port is not kept in it
    other_key = program(app_skey="00112233445566778899AABBCCDDEEFF")
    assert tag.group(1) not in other_key["node_values.cpp"]
