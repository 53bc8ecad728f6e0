"""What the form's script needs from the catalog, as one JSON document.

Models with their probes per socket, each probe's extra parameters (calibration kind, events,
Xtreme calibration menu), the calibration kinds' values, radios with their regions and allowed
destinations, Modbus/CAN/GPS options and the licence tiers. All of it comes from the catalog's
data files; nothing here is device knowledge of its own.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from openpcs.catalog.devices import industrial, licences, radios
from openpcs.catalog.hardware import calibrations, node_models, probes
from openpcs.web.form_fields import choice_names

__all__ = ["form_catalog"]


@cache
def form_catalog() -> dict[str, Any]:
    """The catalog as the form uses it (built once)."""
    known = probes()
    spec = industrial()
    return {
        "models": {
            model_id: {
                "name": model.name,
                "sockets": {socket: list(offered) for socket, offered in model.sockets.items()},
                "builtin": [known[p].name for p in model.builtin],
                "event_sockets": list(model.event_sockets),
            }
            for model_id, model in node_models().items()
        },
        "probes": {
            probe_id: {
                "name": probe.name,
                "calibration": probe.calibration,
                "events": probe.events,
                "xtreme_calibration": probe.xtreme_calibration,
            }
            for probe_id, probe in known.items()
        },
        "calibrations": {
            kind_id: {
                "values": {
                    name: {"unit": value.unit, "range": list(value.range), "help": value.help}
                    for name, value in kind.values.items()
                },
                "points": kind.points,
                "optional": kind.optional,
            }
            for kind_id, kind in calibrations().items()
        },
        "radios": {
            radio_id: {
                "name": radio.name,
                "regions": {region: value.name for region, value in radio.regions.items()},
                "destinations": list(radio.destinations),
            }
            for radio_id, radio in radios().items()
        },
        "modbus": {"baud_rates": list(spec.modbus.baud_rates), "max_reads": spec.modbus.max_reads},
        "canbus": {
            "speeds_kbps": list(spec.canbus.speeds_kbps),
            "operations": {key: op.name for key, op in spec.canbus.operations.items()},
        },
        "gps": {"fields": {key: field.name for key, field in spec.gps.fields.items()}},
        "licences": {key: value.name for key, value in licences().items()},
        "choice_names": {path: choice_names(path) for path in ("destination.type", "event")},
    }
