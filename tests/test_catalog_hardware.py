"""The models, probes, calibrations and device data: complete, cross-checked, and strict."""

from __future__ import annotations

import itertools

import pytest

from openpcs.catalog.devices import industrial, licences, lorawan, radios
from openpcs.catalog.hardware import ModelSpec, _check_model, node_models, probe_fields, probes
from openpcs.catalog.sensors import CatalogError


def test_every_model_of_the_issue_is_there() -> None:
    assert set(node_models()) == {
        "smart_environment_pro",
        "smart_cities_pro",
        "smart_agriculture",
        "smart_agriculture_pro",
        "smart_agriculture_xtreme",
        "smart_water",
        "smart_water_ions_single",
        "smart_water_ions_double",
        "smart_water_ions_pro",
        "smart_water_xtreme",
        "smart_security",
        "ambient_control",
        "radiation_control",
    }
    frame_types = {m.id: m.frame_type for m in node_models().values()}
    assert frame_types["smart_agriculture_xtreme"] == 7
    assert frame_types["smart_water_xtreme"] == 8
    assert all(m.source for m in node_models().values())


def test_radios_regions_and_licences() -> None:
    assert set(radios()) == {
        "xbee_802_15_4",
        "xbee_900hp",
        "xbee_868lp",
        "xbee_zigbee3",
        "4g",
        "wifi",
        "sigfox",
        "lorawan",
    }
    assert set(radios()["xbee_900hp"].regions) == {"us", "br", "au"}
    assert set(radios()["4g"].regions) == {"eu_br", "americas", "australia"}
    assert set(lorawan().regions) == {"eu", "us", "au", "in", "asia_pac_latam", "jp_kr"}
    assert lorawan().regions["us"].max_payload[0] == 11
    assert {k: v.nodes for k, v in licences().items()} == {"basic": 6, "pro": 20, "elite": 100}
    assert not licences()["basic"].industrial_protocols
    assert licences()["basic"].https  # ERRATA: the licence table is the newer text
    assert len(industrial().canbus.operations) == 6


def test_known_probe_fields() -> None:
    water = node_models()["smart_water"]
    assert [f.tag for f in probe_fields(water, probes()["ph"], "E")] == ["PH_E"]
    xtr = node_models()["smart_agriculture_xtreme"]
    assert [f.id for f in probe_fields(xtr, probes()["meter_teros11"], "C")] == [48, 103, 107]


def test_no_two_sockets_send_the_same_sensor_id() -> None:
    """A probe that may repeat writes per-socket ids, so a receiver tells readings apart."""
    for model in node_models().values():
        per_socket = {
            socket: {p: {f.id for f in probe_fields(model, probes()[p], socket)} for p in offered}
            for socket, offered in model.sockets.items()
        }
        for (s1, left), (s2, right) in itertools.combinations(per_socket.items(), 2):
            for p1, p2 in itertools.product(left, right):
                if p1 == p2 and model.is_unique(p1):
                    continue
                shared = left[p1] & right[p2]
                assert not shared, f"{model.id}: {p1} in {s1} and {p2} in {s2} share ids {shared}"


def _model(**changes: object) -> ModelSpec:
    base = node_models()["smart_water"].model_dump()
    return ModelSpec.model_validate(base | changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"sockets": {"A": ["no_such_probe"]}},
            "models.yaml: smart_water: socket A: unknown probe 'no_such_probe'",
        ),
        ({"sockets": {"G": ["ph"]}}, "socket G: sockets are A-F"),
        (
            {"sockets": {"B": ["decagon_5te"]}},
            "socket B: decagon_5te field DP2_B is not in sensor table 6",
        ),
        (
            {"frame_type": 7, "sockets": {"A": ["ph"]}},
            "socket A: ph field PH_A is not in sensor table 7",
        ),
        ({"unique": ["gas_*"]}, "unique pattern 'gas_*' matches no probe"),
    ],
)
def test_bad_model_data_names_file_model_and_socket(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(CatalogError) as caught:
        _check_model("models.yaml", _model(**changes), probes())
    assert message in str(caught.value)


def test_a_probe_without_fields_for_the_models_table() -> None:
    xtreme_only = probes()["bme280"].model_copy(update={"fields": {7: ("TC_{socket}",)}})
    known = probes() | {"bme280": xtreme_only}
    with pytest.raises(CatalogError, match="bme280 has no fields for frame type 6"):
        _check_model("models.yaml", node_models()["smart_environment_pro"], known)
