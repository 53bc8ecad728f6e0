"""The shipped examples: every one passes, they cover every model and radio/destination pair,
and breaking any of them in the ways users do fails with an error that names the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from openpcs.catalog.devices import radios
from openpcs.catalog.hardware import node_models
from openpcs.config.check import check_file, check_text
from openpcs.config.loader import ConfigLoadError

NODES = Path(__file__).resolve().parents[2] / "examples" / "nodes"
EXAMPLES = sorted(p for p in NODES.glob("*.yaml") if p.name != "secrets.yaml")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_valid(path: Path) -> None:
    result = check_file(path)
    assert result.errors == [], [f"{i.path}: {i.message}" for i in result.errors]
    assert result.plan is not None
    assert result.estimates is not None


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_AnyTagLoader)


class _AnyTagLoader(yaml.SafeLoader):
    """Reads the examples' !secret/!file tags as plain text (only the structure matters here)."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node))


def test_examples_cover_every_model_and_radio_destination_pair() -> None:
    documents = [_load(path) for path in EXAMPLES]
    assert {d["model"] for d in documents} == set(node_models())
    pairs = {(d["radio"]["type"], (d.get("destination") or {}).get("type")) for d in documents}
    wanted = {
        (radio_id, destination)
        for radio_id, spec in radios().items()
        for destination in (spec.destinations or (None,))
    }
    assert wanted <= pairs
    regions = {d["radio"]["region"] for d in documents if d["radio"]["type"] == "lorawan"}
    assert regions == {"eu", "us", "au", "in", "asia_pac_latam", "jp_kr"}


def _mutated(name: str, change: Any) -> list[tuple[str, str]]:
    """Apply ``change`` to an example's text and return the errors as (path, rule)."""
    text = (NODES / name).read_text()
    result = check_text(change(text), source=name, base_dir=NODES)
    return [(issue.path, issue.rule) for issue in result.errors]


ENV = "smart-environment-pro_xbee-802-15-4_meshlium.yaml"
LORA = "smart-agriculture-xtreme_lorawan-eu-abp.yaml"
SIGFOX = "smart-agriculture_sigfox.yaml"
MUTATIONS = [
    (ENV, lambda t: t.replace("serial: 3F5A1C0B7E2D4A91", "serial: 3F5A1C0B7E2D4A9"), "serial"),
    (ENV, lambda t: t.replace("E: bme280", "E: gas_no"), "sockets.E.probe"),
    (
        ENV,
        lambda t: t.replace("watchdog: {minutes: 30}", "watchdog: {minutes: 20}"),
        "watchdog.minutes",
    ),
    (
        ENV,
        lambda t: t.replace("thresholds: [60, 40, 20]", "thresholds: [40, 60, 20]"),
        "battery_warning.thresholds[1]",
    ),
    (LORA, lambda t: t.replace("dev_addr: 260B1234", "dev_addr: 260B123"), "radio.dev_addr"),
    (
        SIGFOX,
        lambda t: t + "encryption: {mode: device_to_cloud, key: 0123456789ABCDEF}\n",
        "encryption.mode",
    ),
    (
        ENV,
        lambda t: (
            t.replace("  E: bme280", "  D: particle_matter\n  E: bme280\n  F: gas_so2")
            + "gps: {timeout_s: 60, fields: [location, speed, course, altitude]}\n"
        ),
        "gps.fields[1]",  # the speed text is what takes the frame past 802.15.4's room
    ),
]


@pytest.mark.parametrize(("name", "change", "path"), MUTATIONS)
def test_mutations_fail_naming_the_field(name: str, change: Any, path: str) -> None:
    errors = _mutated(name, change)
    assert path in [p for p, _ in errors], errors


def test_fragmenting_802_15_4_turns_the_error_into_fragments() -> None:
    def bigger(text: str) -> str:
        grown = MUTATIONS[-1][1](text)
        return grown.replace("  attempts: 3", "  attempts: 3\n  fragments: true")

    assert _mutated(ENV, bigger) == []
    result = check_text(bigger((NODES / ENV).read_text()), source=ENV, base_dir=NODES)
    assert result.plan is not None
    assert len(result.plan.fragments) == 2
    assert [w.path for w in result.warnings if w.rule == "frame-fit"] == ["radio.fragments"]


def _all_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _all_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _all_paths(item, (*prefix, index))
    return found


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)


@settings(max_examples=1000)
@given(st.sampled_from(EXAMPLES), st.data())
def test_random_mutations_never_raise(path: Path, data: st.DataObject) -> None:
    document = _load(path)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _all_paths(document)
        chosen = data.draw(st.sampled_from(paths))
        _set(document, chosen, copy.deepcopy(data.draw(junk)))
    text = yaml.safe_dump(document)
    try:
        result = check_text(text, source=path.name, base_dir=NODES)
    except ConfigLoadError:
        return
    for issue in result.issues:
        assert issue.path is not None
        assert issue.message


def test_the_template_example_instantiates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_DEV_EUI", "0004A30B001C0599")
    template = NODES.parent / "templates" / "weather-station-lorawan.yaml"
    result = check_file(template, serial="1A2B3C4D5E6F7090", name="ws-090")
    assert result.errors == []
    assert result.template
