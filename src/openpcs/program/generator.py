"""Turning a checked configuration into its Waspmote program (guide §2.14).

The program is an Arduino-style sketch (``setup()`` once, ``loop()`` forever): it reads every
probe in its socket, adds the fields in exactly the order of the frame plan, encrypts and sends
the frame by the configured radio, and deep-sleeps. Each part comes from one template (board,
probe family, option, radio, destination); the per-node values go to ``node_values.cpp``.

The output is deterministic: the same configuration gives the same bytes. After rendering, the
fields the sketch adds are compared with the plan; a difference is a :class:`GenerationError`,
never a program that sends something the gateway would read differently.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Final

from openpcs import __version__
from openpcs.catalog.devices import industrial, lorawan
from openpcs.catalog.hardware import node_models, probes
from openpcs.config.check import CheckResult
from openpcs.config.model import LoRaWAN, NodeConfig
from openpcs.config.plan import FramePlan
from openpcs.config.summary import summarize
from openpcs.program.components import build_components
from openpcs.program.cpp import sleep_text
from openpcs.program.errors import GenerationError
from openpcs.program.fields import FieldRef
from openpcs.program.node_values import PER_NODE_PATHS, NodeValues
from openpcs.program.render import render_components, template_environment
from openpcs.program.source import ProgramSource

__all__ = ["SKETCH_NAME", "config_hash", "generate", "generate_checked", "verify_fields"]

SKETCH_NAME: Final = "openpcs_node"
#: Alarm 1 matches the day of the week, so one deep sleep lasts at most 6 days.
MAX_SINGLE_SLEEP_S: Final = 6 * 86_400
_ADDED: Final = re.compile(r"frame\.addSensor\((\w+)")
_PROTOTYPE: Final = re.compile(
    r"^(?:void|bool|float|double|int|uint8_t|uint16_t|uint32_t|"
    r"unsigned long)\s+\w+\([^;{]*\)$",
    re.MULTILINE,
)


def _canonical(config: NodeConfig, *, drop_per_node: bool) -> str:
    document: Any = json.loads(config.model_dump_json())
    if drop_per_node:
        for path in PER_NODE_PATHS:
            parent = document
            *head, last = path.split(".")
            for part in head:
                parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent.pop(last, None)
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def config_hash(config: NodeConfig, *, shared_only: bool = False) -> str:
    """SHA-256 of the configuration with secrets masked (``shared_only``: per-node values out)."""
    return hashlib.sha256(_canonical(config, drop_per_node=shared_only).encode()).hexdigest()


def _flatten(prefix: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            lines += _flatten(f"{prefix}.{key}" if prefix else str(key), item)
        return lines
    if isinstance(value, list):
        return [f"{prefix}: {', '.join(str(item) for item in value)}"]
    return [f"{prefix}: {value}"]


def _header(config: NodeConfig, plan: FramePlan) -> list[str]:
    summary = summarize(config)
    for path in ("serial", "node_name"):
        summary.pop(path, None)
    lines = [
        f"openpcs {__version__}: Waspmote program for a {node_models()[config.model].name} node.",
        "Generated from the node's configuration; change the configuration, not this file.",
        f"Program sha256 (shared settings): {config_hash(config, shared_only=True)}",
        "The node's own values (name, serial, keys, addresses) are in node_values.cpp.",
        "",
        "Frame: type "
        + " inside ".join(str(t) for t in reversed(plan.sent_types))
        + f", {plan.frame_size} bytes, fields "
        + " ".join(field.sensor.tag for field in plan.fields),
        "",
        "Summary:",
    ]
    per_node_leaves = {path.rsplit(".", 1)[-1] for path in PER_NODE_PATHS}
    for line in _flatten("", summary):
        key = line.split(":", 1)[0].rsplit(".", 1)[-1]
        if key not in per_node_leaves:
            lines.append("  " + line.replace("*/", "* /"))
    return lines


def _facts(config: NodeConfig) -> dict[str, Any]:
    """What several templates look at: which probes are fitted, which sockets raise events."""
    model = node_models()[config.model]
    known = probes()
    chosen = config.sockets
    spec = industrial()
    bands = (
        lorawan().regions[config.radio.region].bands if isinstance(config.radio, LoRaWAN) else {}
    )
    return {
        "lorawan_bands": bands,
        "probe_ids": [*model.builtin, *(item.probe for item in chosen.values())],
        "event_sockets": [
            s for s, item in chosen.items() if item.event in ("wake_up", "wake_up_relay")
        ],
        "relay_sockets": [s for s, item in chosen.items() if item.event == "wake_up_relay"],
        "pir_objects": [
            f"probe{s}" for s, item in chosen.items() if known[item.probe].family == "event_pir"
        ],
        # the Events board's probe objects (each reads through readInput(), see
        # boards/SensorEvent_v30.j2)
        "event_objects": [
            f"probe{s}"
            for s, item in chosen.items()
            if known[item.probe].events or known[item.probe].family in ("relay", "water_flow")
        ],
        "can_calls": {name: op.call for name, op in spec.canbus.operations.items()},
        "gps_lengths": {name: f.max_length or 0 for name, f in spec.gps.fields.items()},
    }


def _tidy(text: str) -> str:
    """Drop the blank lines nested template output leaves after ``{`` and before ``}``."""
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip():
            following = next((x for x in lines[index + 1 :] if x.strip()), "")
            previous = kept[-1] if kept else ""
            if previous.rstrip().endswith("{") or following.strip().startswith("}"):
                continue
            if previous and not previous.strip():
                continue
        kept.append(line)
    return "\n".join(kept).rstrip("\n") + "\n"


def verify_fields(sketch: str, plan: FramePlan) -> None:
    """Raise :class:`GenerationError` unless the sketch adds exactly the plan's fields, in order."""
    added = _ADDED.findall(sketch)
    planned = [FieldRef.of(field, plan.frame_type).constant for field in plan.fields]
    if added != planned:
        raise GenerationError(
            "internal error: the program would add fields "
            f"{' '.join(added)} but the frame plan has {' '.join(planned)}"
        )


def generate(config: NodeConfig, plan: FramePlan) -> ProgramSource:
    """The program of a valid, instantiated configuration and its frame plan."""
    if config.serial is None:
        raise GenerationError("serial: a template has no program; give the node's serial ID")
    model = node_models().get(config.model)
    if model is None:
        raise GenerationError(f"model: unknown model {config.model!r}")
    node = NodeValues(config)
    shared = {"config": config, "plan": plan, "model": model, "node": node, **_facts(config)}
    rendered = render_components(build_components(config, model, plan), shared)
    environment = template_environment()
    prototypes = [
        match.group(0) + ";" for match in _PROTOTYPE.finditer(rendered.sections["functions"])
    ]
    sketch = environment.get_template("sketch.pde.j2").render(
        header=_header(config, plan),
        includes=["WaspFrame.h", *(i for i in rendered.includes if i != "WaspFrame.h")],
        sections=rendered.sections,
        prototypes=prototypes,
        # interrupts, or a sleep longer than one alarm can hold: the loop keeps time on the RTC
        scheduled=rendered.interrupts or config.sleep.total_seconds() > MAX_SINGLE_SLEEP_S,
        pluviometer=rendered.pluviometer,
        sleep_option=rendered.sleep_option,
        warmup_s=rendered.warmup_s,
        sleep_time=sleep_text(config.sleep.total_seconds()),
        sleep_seconds=config.sleep.total_seconds(),
        version=__version__,
        model=model,
        plan=plan,
    )
    sketch = _tidy(sketch)
    verify_fields(sketch, plan)
    values = node.ordered()
    secrets = [value.path for value in values if value.secret]
    digest = config_hash(config)
    files = {
        f"{SKETCH_NAME}.pde": sketch,
        "node_values.h": environment.get_template("node_values.h.j2")
        .render(version=__version__, values=values)
        .rstrip("\n")
        + "\n",
        "node_values.cpp": environment.get_template("node_values.cpp.j2")
        .render(
            version=__version__,
            values=values,
            serial=config.serial,
            name=config.node_name,
            config_hash=digest,
            secrets=secrets,
        )
        .rstrip("\n")
        + "\n",
    }
    return ProgramSource(f"{SKETCH_NAME}.pde", files, digest)


def generate_checked(result: CheckResult) -> ProgramSource:
    """The program of a configuration that "Check configuration" passed; errors refuse it."""
    if result.config is None or not result.valid or result.plan is None:
        errors = "; ".join(f"{issue.path}: {issue.message}" for issue in result.errors[:5])
        more = f" (and {len(result.errors) - 5} more)" if len(result.errors) > 5 else ""
        raise GenerationError(
            f"{result.source}: the configuration has errors, fix them first: {errors}{more}"
        )
    return generate(result.config, result.plan)
