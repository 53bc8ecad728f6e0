"""The "Check configuration" summary: every choice of the form in words, secrets masked."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from pydantic import BaseModel, SecretStr

from openpcs.catalog.devices import industrial, licences, radios
from openpcs.catalog.hardware import node_models, probes
from openpcs.config.lorawan_operation import lorawan_operation
from openpcs.config.model import SOCKETS, LoRaWAN, ModbusConfig, NodeConfig
from openpcs.config.plan import frame_types

__all__ = ["MASK", "summarize"]

MASK = "********"
_FRAME_TYPE_NAMES = {
    6: "binary (standard)",
    7: "binary (Agriculture Xtreme)",
    8: "binary (Water Xtreme)",
    96: "AES, device to gateway",
    100: "AES, device to cloud",
    103: "AES-128, Cloud Bridge",
}


def _certificate_summary(pem: str) -> str:
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode("ascii", errors="replace"))
    except ValueError:
        return "not a valid PEM certificate"
    return (
        f"{certificate.subject.rfc4514_string()}, valid until "
        f"{certificate.not_valid_after_utc.date().isoformat()}"
    )


def _secret_names(model: BaseModel) -> set[str]:
    return {
        name for name in type(model).model_fields if isinstance(getattr(model, name), SecretStr)
    }


def _section(model: BaseModel, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A section of the summary: the model's set values, secrets masked, certificates named."""
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, exclude=set(skip))
    for name in _secret_names(model) - set(skip):
        dumped[name] = MASK
    certificate = dumped.get("certificate")
    if isinstance(certificate, str):
        dumped["certificate"] = _certificate_summary(certificate)
    return dumped


def summarize(config: NodeConfig) -> dict[str, Any]:
    """Every choice of the form, as a JSON-ready mapping with secrets masked."""
    model = node_models().get(config.model)
    known = probes()
    radio = radios().get(config.radio.type)
    summary: dict[str, Any] = {
        "serial": config.serial,
        "node_name": config.node_name or None,
        "model": model.name if model else config.model,
        "licence": licences()[config.licence].name,
    }
    sockets: dict[str, Any] = {}
    for socket in SOCKETS:
        chosen = config.sockets.get(socket)
        if chosen is None:
            continue
        entry: dict[str, Any] = {"probe": chosen.probe}
        probe = known.get(chosen.probe)
        if probe is not None:
            entry["name"] = probe.name
        entry.update(_section(chosen, skip=("probe",)))
        if not chosen.calibrate:
            entry.pop("calibrate", None)
        sockets[socket] = entry
    summary["sockets"] = sockets
    if model is not None and model.builtin:
        summary["built_in"] = [known[p].name for p in model.builtin]
    for name in ("relay", "radiation", "gps", "watchdog", "battery_warning"):
        value = getattr(config, name)
        if value is not None:
            summary[name] = _section(value)
    if isinstance(config.industrial, ModbusConfig):
        summary["industrial"] = _section(config.industrial)
    elif config.industrial is not None:
        operations = industrial().canbus.operations
        summary["industrial"] = _section(config.industrial) | {
            "operations": [
                operations[o].name if o in operations else o for o in config.industrial.operations
            ]
        }
    sleep = config.sleep
    summary["sleep"] = f"{sleep.days:02d}:{sleep.hours:02d}:{sleep.minutes:02d}:{sleep.seconds:02d}"
    summary["radio"] = {"name": radio.name if radio else config.radio.type} | _section(config.radio)
    if radio is not None and len(radio.regions) > 1 and config.radio.region in radio.regions:
        summary["radio"]["region"] = radio.regions[config.radio.region].name
    else:  # a module made for one region only: its name says it
        summary["radio"].pop("region", None)
    if isinstance(config.radio, LoRaWAN):
        summary["radio"] |= lorawan_operation(config.radio, None).describe()
    summary["destination"] = _section(config.destination) if config.destination else None
    summary["encryption"] = _section(config.encryption)
    plain = model.frame_type if model else 6
    summary["frame_types"] = [
        f"{t} ({_FRAME_TYPE_NAMES.get(t, 'frame')})" for t in frame_types(config, plain)
    ]
    return summary
