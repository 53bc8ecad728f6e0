"""Configurations that between them put every offered probe in every socket of every model.

Round ``k`` of a model puts the ``k``-th probe each socket offers (wrapping) into that socket,
skipping choices the model allows only once; each probe gets the calibration values, points,
events and settings it needs. The radio is an XBee 900HP with fragments, so any frame fits.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from openpcs.catalog.hardware import ModelSpec, node_models, probes

RADIO: dict[str, Any] = {
    "type": "xbee_900hp",
    "mac": "0013A20040C0FFEE",
    "pan_id": "7FFF",
    "channel_mask": "00FFFFFFFFFFFFFF",
    "fragments": True,
}
CALIBRATIONS: dict[str, dict[str, float]] = {
    "ph": {"point_10": 1.985, "point_7": 2.07, "point_4": 2.227, "temperature": 23.7},
    "dissolved_oxygen": {"air": 2.65, "zero": 0.0},
    "conductivity": {
        "point_1_conductivity": 10500,
        "point_1_resistance": 197.0,
        "point_2_conductivity": 40000,
        "point_2_resistance": 150.0,
    },
    "orp": {"offset": 0.01},
}
POINTS = [{"ppm": 10, "volts": 2.03}, {"ppm": 100, "volts": 2.09}, {"ppm": 1000, "volts": 2.15}]


def _socket_settings(
    probe_id: str, socket: str, model: ModelSpec, *, relay: bool
) -> dict[str, Any]:
    probe = probes()[probe_id]
    settings: dict[str, Any] = {"probe": probe_id}
    if probe.calibration == "ion":
        settings["points"] = POINTS
    elif probe.calibration is not None:
        settings["calibration"] = CALIBRATIONS[probe.calibration]
    if probe.events and socket in model.event_sockets:
        settings["event"] = "wake_up_relay" if socket == "A" and relay else "wake_up"
    if probe.xtreme_calibration and socket == "E":
        settings["calibrate"] = True
    return settings


def _unique(model: ModelSpec, probe_id: str) -> bool:
    return probe_id == "relay" or any(fnmatch.fnmatch(probe_id, p) for p in model.unique)


def _rounds(model: ModelSpec) -> Iterator[dict[str, str]]:
    """Socket → probe choices until every offered (socket, probe) pair has been used once."""
    pending = {(s, p) for s, offered in model.sockets.items() for p in offered}
    while pending:
        chosen: dict[str, str] = {}
        for socket, offered in sorted(model.sockets.items()):
            taken = set(chosen.values())
            options = [p for p in offered if not (_unique(model, p) and p in taken)]
            fresh = [p for p in options if (socket, p) in pending]
            if fresh:  # a socket with nothing new stays empty, blocking no one
                chosen[socket] = fresh[0]
        pending -= set(chosen.items())
        yield chosen


def coverage_configs() -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, configuration) pairs covering every offered probe in every socket.

    A round whose frame would exceed the node's 30 fields is split in two halves of sockets.
    """
    count = 0
    for model_id, model in sorted(node_models().items()):
        rounds = list(_rounds(model)) or [{}]
        for chosen in rounds:
            halves = [chosen]
            if model.frame_type != 6 and len(chosen) > 3:
                keys = sorted(chosen)
                halves = [{k: chosen[k] for k in keys[:3]}, {k: chosen[k] for k in keys[3:]}]
            for part in halves:
                count += 1
                yield f"{model_id}-{count}", _config(model_id, model, part, count)


def _config(model_id: str, model: ModelSpec, chosen: dict[str, str], count: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "serial": f"{count:04X}00000000{len(model_id):04X}",
        "node_name": f"cov{count}",
        "model": model_id,
        "licence": "elite",
        "sockets": {
            s: _socket_settings(p, s, model, relay=chosen.get("F") == "relay")
            for s, p in chosen.items()
        },
        "sleep": {"minutes": 20},
        "radio": RADIO,
        "destination": {"type": "meshlium"},
    }
    if model_id == "radiation_control":
        data["radiation"] = {"measuring_period_ms": 10_000}
    if chosen.get("F") == "relay":
        data["relay"] = {"enabled": True, "mode": "timeout", "timeout_s": 30}
    return data
