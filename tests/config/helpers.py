"""Building configurations for rule tests: a valid base per scenario and mutations of it."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from openpcs.config.check import CheckResult, check_text
from openpcs.config.issues import Issue

XBEE_802 = {
    "type": "xbee_802_15_4",
    "mac": "0013A2004133471A",
    "pan_id": "1234",
    "channel": 12,
}
LORAWAN_ABP = {
    "type": "lorawan",
    "region": "eu",
    "activation": "abp",
    "dev_eui": "0011223344556677",
    "dev_addr": "26011B22",
    "nwk_skey": "00112233445566778899AABBCCDDEEFF",
    "app_skey": "FFEEDDCCBBAA99887766554433221100",
}
LORAWAN_OTAA = {
    "type": "lorawan",
    "region": "us",
    "activation": "otaa",
    "dev_eui": "0011223344556677",
    "app_eui": "70B3D57ED0000000",
    "app_key": "00112233445566778899AABBCCDDEEFF",
}

BASE: dict[str, Any] = {
    "serial": "3F5A1C0B7E2D4A91",
    "model": "smart_environment_pro",
    "licence": "pro",
    "sockets": {"A": "gas_co", "E": "bme280"},
    "sleep": {"minutes": 15},
    "radio": XBEE_802,
    "destination": {"type": "meshlium"},
}


def config(**changes: Any) -> dict[str, Any]:
    """A copy of BASE with top-level keys replaced (``None`` removes a key)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return data


def check(data: dict[str, Any]) -> CheckResult:
    """Check a configuration given as a mapping, through the YAML loader."""
    return check_text(yaml.safe_dump(data, sort_keys=False), source="t.yaml")


def findings(data: dict[str, Any], rule: str) -> list[Issue]:
    """The issues one rule reports for ``data``."""
    return [issue for issue in check(data).issues if issue.rule == rule]


def paths(data: dict[str, Any], rule: str, severity: str = "error") -> list[str]:
    """The paths of one rule's issues of one severity."""
    return [i.path for i in findings(data, rule) if i.severity == severity]
