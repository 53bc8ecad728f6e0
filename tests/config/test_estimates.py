"""Air time (published vectors), battery life (the reference's worked example), LoRaWAN,
Sigfox and memory estimates."""

from __future__ import annotations

import dataclasses

import pytest

from openpcs.config.airtime import lorawan_time_on_air, time_on_air
from openpcs.config.energy import Load, estimate_battery
from openpcs.config.rules import RuleContext
from openpcs.config.rules.frame import program_fits_memory
from tests.config.helpers import LORAWAN_ABP, check, config


@pytest.mark.parametrize(
    ("phy", "sf", "bandwidth", "coding_rate", "milliseconds"),
    [
        (10, 7, 125e3, 1, 41.216),
        (10, 8, 125e3, 1, 72.192),
        (10, 9, 125e3, 1, 144.384),
        (10, 10, 125e3, 1, 288.768),
        (10, 11, 125e3, 1, 577.536),
        (10, 12, 125e3, 1, 991.232),
        (10, 7, 250e3, 1, 20.608),
        (10, 7, 500e3, 1, 10.304),
        (10, 7, 125e3, 2, 45.312),
        (10, 7, 125e3, 3, 49.408),
        (10, 7, 125e3, 4, 53.504),
        (13, 7, 125e3, 1, 46.336),
        (15, 7, 125e3, 1, 46.336),
        (16, 7, 125e3, 1, 51.456),
        (19, 7, 125e3, 1, 51.456),
        (13, 9, 125e3, 1, 164.864),
        (20, 7, 125e3, 1, 56.576),
        (64, 12, 125e3, 1, 2793.472),
    ],
)
def test_time_on_air_matches_published_vectors(
    phy: int, sf: int, bandwidth: float, coding_rate: int, milliseconds: float
) -> None:
    assert time_on_air(phy, sf, bandwidth, coding_rate=coding_rate) * 1000 == pytest.approx(
        milliseconds, abs=1e-6
    )


@pytest.mark.parametrize(
    ("payload", "sf", "milliseconds"),
    [
        (11, 10, 370.7),
        (12, 10, 411.6),
        (53, 9, 390.1),
        (54, 9, 410.6),
        (125, 8, 399.9),
        (242, 7, 399.6),
    ],
)
def test_dwell_limits_are_400_ms(payload: int, sf: int, milliseconds: float) -> None:
    assert lorawan_time_on_air(payload, sf, 125) * 1000 == pytest.approx(milliseconds, abs=0.05)


def test_bad_modulation_is_refused() -> None:
    with pytest.raises(ValueError, match="spreading factor"):
        time_on_air(10, 13, 125e3)
    with pytest.raises(ValueError, match="coding rate"):
        time_on_air(10, 7, 125e3, coding_rate=5)


def test_battery_worked_example() -> None:
    # 10-minute cycle: 5 s awake at 17 mA, one SF7 uplink of 20 bytes at 38.9 mA, deep sleep 33 uA
    airtime = lorawan_time_on_air(20, 7, 125)
    estimate = estimate_battery(
        [Load("node", 17.0, 5.0), Load("radio", 38.9, airtime)],
        sleep_s=595.0,
        sleep_ua=33.0,
        capacity_mah=6600.0,
        usable_fraction=0.85,
    )
    assert estimate.average_ma == pytest.approx(0.17905, abs=1e-5)
    assert estimate.life_days == pytest.approx(1535.9, abs=0.5)
    assert estimate.usable_life_days == pytest.approx(1535.9 * 0.85, abs=0.5)
    assert estimate.shares["node"] == pytest.approx(85.0 / (0.17905 * 600), abs=0.01)
    with pytest.raises(ValueError, match="capacity"):
        estimate_battery([], sleep_s=1, sleep_ua=1, capacity_mah=0)


def test_lorawan_rates_and_daily_airtime() -> None:
    result = check(
        config(
            model="smart_agriculture",
            sockets={"A": "weather_station"},
            radio=LORAWAN_ABP,
            destination=None,
        )
    )
    estimates = result.estimates
    assert estimates is not None
    rates = {rate.data_rate: rate for rate in estimates.lorawan_rates}
    assert sorted(rates) == [0, 1, 2, 3, 4, 5, 6]
    assert (rates[0].spreading_factor, rates[0].max_payload) == (12, 51)
    assert estimates.lorawan_rate is rates[5]
    # weather station 22 B + battery 2 B + 2 B header: one 26-byte tiny frame, 39 B on air
    assert rates[5].tiny_frames == 1
    assert rates[5].airtime_s == pytest.approx(lorawan_time_on_air(26, 7, 125))
    assert estimates.to_dict()["lorawan"]["chosen"] == 5


def test_sigfox_messages_per_day() -> None:
    result = check(
        config(
            model="smart_agriculture",
            sockets={"A": "weather_station"},
            radio={"type": "sigfox"},
            destination=None,
            sleep={"hours": 1},
        )
    )
    estimates = result.estimates
    assert estimates is not None
    assert estimates.frames_per_cycle == 3  # ANE+WV (7 B), PLV1+BAT (7 B)... first fit in 10 B
    assert estimates.sigfox_messages_per_day == pytest.approx(3 * 86400 / estimates.cycle_s)


def test_memory_estimate_counts_the_parts() -> None:
    light = check(config(radio=LORAWAN_ABP, destination=None)).estimates
    heavy = check(
        config(
            radio={"type": "4g", "region": "eu_br", "apn": "x"},
            destination={"type": "https", "host": "example.org", "certificate": "x"},
            gps={"timeout_s": 60},
            industrial={"protocol": "modbus_rs485", "reads": [{"slave": 1, "start_register": 0}]},
        )
    ).estimates
    assert light is not None
    assert heavy is not None
    parts = set(heavy.memory.parts)
    assert {"gps", "industrial.modbus_rs485", "destination.4g.https", "radio.4g"} <= parts
    assert {"board.SensorGas_PRO", "probe.gas_pro", "kind.gas_pro", "probe.bme280"} <= parts
    assert heavy.memory.flash > light.memory.flash
    # fitted to real builds: this program measured 76,386 B flash and 6,050 B RAM, and needs
    # 394 B of stack at its worst moment (Waspmote API v048, avr-gcc 5.4.0)
    assert heavy.memory.flash == pytest.approx(76_386, rel=0.05)
    assert heavy.memory.ram == pytest.approx(6_050, rel=0.05)
    assert heavy.memory.worst_ram == pytest.approx(6_050 + 394, rel=0.05)
    assert heavy.memory.stack >= light.memory.stack


def test_a_program_that_cannot_fit_its_ram_is_an_error_at_its_deepest_part() -> None:
    data = config(
        radio={"type": "4g", "region": "eu_br", "apn": "x"},
        destination={"type": "tcp", "host": "example.org", "port": 9100},
        encryption={"mode": "device_to_cloud", "key": "k" * 32},
    )
    result = check(data)
    assert result.config is not None
    context = RuleContext(result.config)
    estimates = context.estimates
    assert estimates is not None
    found = estimates.memory
    # the frame's encryption is the deepest stack of this program
    assert found.deepest_part == "payload_encryption"
    assert found.worst_ram < found.ram_limit
    assert list(program_fits_memory(context)) == []
    # the same program with 100 B too much static data does not fit: an error at the item
    # whose code needs the stack, before any build
    over = dataclasses.replace(found, ram=found.ram_limit - found.stack + 100)
    context.estimates = dataclasses.replace(estimates, memory=over)
    issues = list(program_fits_memory(context))
    assert [(i.path, i.severity.value) for i in issues] == [("encryption", "error")]
    assert "at its worst moment" in issues[0].message
    # with less than the margin to spare: a warning at the same place
    close = dataclasses.replace(found, ram=found.ram_limit - found.stack - 100)
    context.estimates = dataclasses.replace(estimates, memory=close)
    issues = list(program_fits_memory(context))
    assert [(i.path, i.severity.value) for i in issues] == [("encryption", "warning")]


def test_a_kind_of_probe_is_priced_once_and_each_probe_on_its_own() -> None:
    two = check(config(sockets={"A": "gas_co", "B": "gas_no2"})).estimates
    one = check(config(sockets={"A": "gas_co"})).estimates
    assert two is not None
    assert one is not None
    assert two.memory.parts.count("kind.gas_pro") == 1
    assert one.memory.flash < two.memory.flash
