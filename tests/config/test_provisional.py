"""Check tells the whole truth: while a required value is empty or of the wrong type, the rules
still run on everything else (with a stand-in in its place), and what they say never speaks of
the stand-in."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openpcs.config.check import check_data
from openpcs.config.loader import load_config
from openpcs.config.provisional import _stand_ins
from openpcs.config.yaml_source import PathKey, format_path
from tests.config.test_examples import EXAMPLES, NODES

BROKEN: Any = {"not": "a value of this field"}


def _raw(path: Path) -> dict[str, Any]:
    loaded = load_config(path)
    assert isinstance(loaded.raw, dict)
    return copy.deepcopy(loaded.raw)


def _children(document: Any) -> Iterable[tuple[Any, Any]]:
    """A mapping's items or a list's indexed items; nothing for a scalar."""
    if isinstance(document, dict):
        return document.items()
    return enumerate(document) if isinstance(document, list) else ()


def _places(document: Any, pattern: tuple[str, ...], here: PathKey = ()) -> Iterator[PathKey]:
    """Every path of ``document`` that ``pattern`` ('*' for any one segment) names."""
    if not pattern:
        yield here
        return
    head, rest = pattern[0], pattern[1:]
    for key, value in _children(document):
        if head in ("*", str(key)):
            yield from _places(value, rest, (*here, key))


def _set(document: Any, loc: PathKey, value: Any) -> None:
    for part in loc[:-1]:
        document = document[part]
    document[loc[-1]] = value


def _found(result: Any) -> set[tuple[str, str]]:
    return {(issue.path, issue.message) for issue in result.issues}


def test_an_empty_required_value_hides_no_other_finding() -> None:
    document = _raw(NODES / "radiation-control_lorawan-au-otaa.yaml")
    document["watchdog"]["minutes"] = ""  # what an emptied number field sends
    document["sleep"]["minutes"] = 0
    document["radio"]["port"] = 300
    document["radio"]["dev_eui"] = "not-hex"
    result = check_data(document)
    errors = {issue.path: issue.message for issue in result.errors}
    assert errors["watchdog.minutes"] == "Input should be a valid integer"
    assert "sleep" in errors
    assert errors["radio.port"] == "the LoRaWAN port is 1..223"
    assert errors["radio.dev_eui"] == "dev_eui is 16 hex digits"
    assert not result.valid
    assert result.config is None  # nothing of the stand-in is shown: no summary, no plan
    assert result.plan is None
    assert [i.path for i in result.issues].count("watchdog.minutes") == 1


def test_without_a_model_only_what_is_known_is_said() -> None:
    document = _raw(NODES / "radiation-control_lorawan-au-otaa.yaml")
    del document["model"]
    result = check_data(document)
    assert [(i.path, i.message) for i in result.errors] == [("model", "is required")]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_stand_in_is_neutral(path: Path) -> None:
    """Breaking any value a stand-in exists for, in any example, adds its own error and
    nothing else: the stand-in sets off no rule anywhere."""
    original = _raw(path)
    before = _found(check_data(original))
    for pattern in _stand_ins():
        for loc in list(_places(original, pattern)):
            document = copy.deepcopy(original)
            _set(document, loc, copy.deepcopy(BROKEN))
            after = _found(check_data(document))
            place = format_path(loc)
            assert {p for p, _ in after - before} == {place}, (place, after - before)
            assert before - after <= {(p, m) for p, m in before if p.startswith(place)}


def test_the_examples_hold_every_stand_in_place() -> None:
    """So that the neutrality test above tries every stand-in."""
    documents = [_raw(path) for path in EXAMPLES]
    for pattern in _stand_ins():
        assert any(list(_places(d, pattern)) for d in documents), ".".join(pattern)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES), st.data())
def test_rule_findings_survive_any_broken_value(path: Path, data: st.DataObject) -> None:
    """A rule error somewhere stays reported whatever other single value is broken."""
    document = _raw(path)
    document["sleep"] = {"minutes": 0}  # a rule error: the sleep must be longer than 0 s
    whole = [loc for pattern in _stand_ins() for loc in _places(document, pattern)]
    if not whole:
        return
    loc = data.draw(st.sampled_from(whole))
    _set(document, loc, copy.deepcopy(BROKEN))
    result = check_data(document)
    assert "sleep" in {issue.path for issue in result.errors}, format_path(loc)


def test_the_stand_ins_name_fields_of_the_model() -> None:
    text = Path(__file__).resolve().parents[2] / "src/openpcs/config/data/stand_ins.yaml"
    assert set(yaml.safe_load(text.read_text())) == {".".join(p) for p in _stand_ins()}


def _leaves(document: Any, here: PathKey = ()) -> Iterator[PathKey]:
    if here:
        yield here
    for key, value in _children(document):
        yield from _leaves(value, (*here, key))


@pytest.mark.parametrize(
    ("loc", "wrong"),
    [
        (("destination",), "meshlium"),  # the form of a choice, not the choice itself
        (("encryption", "mode"), "device-to-gateway"),
        (("licence",), ""),
    ],
)
def test_a_wrong_value_with_a_default_sets_off_no_rule(loc: PathKey, wrong: Any) -> None:
    """The default that would stand in (no destination: not Meshlium; no encryption mode:
    disabled) is not the user's: what the rules would say of it is not said."""
    document = _raw(NODES / "smart-water_xbee-868lp_meshlium.yaml")
    _set(document, loc, wrong)
    result = check_data(document)
    assert {issue.path for issue in result.issues} == {format_path(loc)}


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(EXAMPLES),
    st.data(),
    st.sampled_from([BROKEN, [1, 2], "", None, "zz", -5, 10**12, True, 1.5]),
)
def test_any_broken_value_adds_findings_at_its_own_place_only(
    path: Path, data: st.DataObject, wrong: Any
) -> None:
    """Whatever single value is broken so that the configuration does not validate, in any
    example, every finding the check adds is at that value's place or below it (a value
    that validates is the user's own, and the rules speak of it where they will)."""
    original = _raw(path)
    before = _found(check_data(original))
    loc = data.draw(st.sampled_from(list(_leaves(original))))
    document = copy.deepcopy(original)
    _set(document, loc, copy.deepcopy(wrong))
    result = check_data(document)
    assume(result.config is None)
    place = format_path(loc)
    added = {p for p, _ in _found(result) - before}
    assert all(p == place or p.startswith((place + ".", place + "[")) for p in added), (
        place,
        added,
    )
