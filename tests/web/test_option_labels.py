"""The form names its choices for people (data/option_labels.yaml): every labelled value is a
choice some field offers, and the configure page shows the labels, never the stored values."""

from __future__ import annotations

import re
from importlib import resources
from typing import Literal, get_args, get_origin

import httpx
import yaml
from pydantic import BaseModel

from openpcs.catalog.devices import radios
from openpcs.config.model import (
    BatteryWarning,
    CanBusConfig,
    EncryptionConfig,
    ModbusConfig,
    RelayConfig,
    SocketConfig,
)
from openpcs.web.form_fields import destination_fields, fields_of, option_label, radio_fields


def _choices() -> dict[str, set[str]]:
    fields = [f for lst in radio_fields().values() for f in lst]
    fields += [f for lst in destination_fields().values() for f in lst]
    fields += fields_of(EncryptionConfig, "encryption") + fields_of(RelayConfig, "relay")
    fields += fields_of(BatteryWarning, "battery_warning")
    found: dict[str, set[str]] = {}
    for field in fields:
        found.setdefault(field.path, set()).update(field.choices)
    # the choices the script fills: from the catalog and the configuration model
    found["destination.type"] = {d for r in radios().values() for d in r.destinations}
    found["industrial.protocol"] = {
        value for kind in (ModbusConfig, CanBusConfig) for value in _literal(kind, "protocol")
    }
    found["event"] = set(_literal(SocketConfig, "event"))
    return found


def _literal(model: type[BaseModel], name: str) -> tuple[str, ...]:
    annotation = model.model_fields[name].annotation
    members = get_args(annotation) if get_origin(annotation) is Literal else ()
    members += tuple(a for arg in get_args(annotation) for a in get_args(arg))
    return tuple(a for a in members if isinstance(a, str))


def test_every_labelled_value_is_a_choice_and_every_choice_is_labelled() -> None:
    data = yaml.safe_load(
        resources.files("openpcs.web").joinpath("data/option_labels.yaml").read_text("utf-8")
    )
    choices = _choices()
    offered = set().union(*choices.values())
    assert set(data["values"]) <= offered
    for path, named in data["by_path"].items():
        assert set(named) <= choices[path], path
    unlabelled = {
        (path, value)
        for path, values in choices.items()
        for value in values
        if option_label(path, value) == value
    }
    assert unlabelled == set()
    assert option_label("radio.region", "eu_br") == "Europe / Brazil"
    assert option_label("encryption.mode", "device_to_cloud") == "Device to Cloud (AES-256)"


def test_the_form_shows_the_labels(admin: httpx.Client) -> None:
    page = admin.get("/configure").text
    options = dict(re.findall(r'<option value="([a-z0-9_]+)"[^>]*>([^<]+)</option>', page))
    assert options["device_to_gateway"] == "Device to Gateway (AES-256)"
    assert options["wpa2"] == "WPA2"
    assert options["eu_br"] == "Europe / Brazil"
    assert "§" not in page
