"""The summary of "Check configuration" as a sheet people read: sections in the form's order
with the form's labels, choices by their names, yes/no, units, secrets as "set (hidden)".

It is made from :func:`openpcs.config.summary.summarize` (secrets already masked there), so it
says nothing the summary does not; the command's text stays beside it on the page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from openpcs.config.summary import MASK
from openpcs.web.form_fields import label_for, option_label

__all__ = ["summary_sheet"]

_SECONDS: Final = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


@cache
def _layout() -> dict[str, Any]:
    text = resources.files("openpcs.web").joinpath("data/sheet.yaml").read_text("utf-8")
    layout: dict[str, Any] = yaml.safe_load(text)
    return layout


def _value(path: str, value: Any) -> str:
    """One value as the sheet says it."""
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value == MASK:
        return "set (hidden)"
    if isinstance(value, list):
        return ", ".join(_value(path, item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(
            f"{label_for(f'{path}.{k}')}: {_value(f'{path}.{k}', v)}" for k, v in value.items()
        )
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return option_label(path, value)
    return str(value)


def _rows(path: str, section: dict[str, Any]) -> list[dict[str, str]]:
    skip = set(_layout()["skip"])
    return [
        {"label": label_for(f"{path}.{key}"), "value": _value(f"{path}.{key}", value)}
        for key, value in section.items()
        if key not in skip
    ]


def _sleep(text: str) -> str:
    """``00:01:30:00`` → ``1 hour 30 minutes``."""
    try:
        days, hours, minutes, seconds = (int(part) for part in text.split(":"))
    except ValueError:
        return text
    return _duration(days * 86400 + hours * 3600 + minutes * 60 + seconds)


def _duration(seconds: float) -> str:
    """``1837.1`` → ``30 minutes 37 seconds``."""
    total = round(seconds)
    parts = []
    for name, size in _SECONDS:
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts) or "no sleep"


def _section(key: str, summary: dict[str, Any]) -> list[dict[str, str]]:
    if key == "node":
        return [
            {
                "label": label_for(name) if name != "built_in" else "Built-in sensors",
                "value": _value(name, summary.get(name)),
            }
            for name in _layout()["node"]
            if name in summary
        ]
    value = summary.get(key)
    if key == "sockets":
        rows = []
        for socket, chosen in (value or {}).items():
            rows.append(
                {"label": f"Socket {socket}", "value": chosen.get("name") or chosen["probe"]}
            )
            rows += [
                {"label": f"Socket {socket}: {row['label'].lower()}", "value": row["value"]}
                for row in _rows(f"sockets.{socket}", chosen)
            ]
        return rows
    if key == "sleep":
        return [{"label": "Sleeps for", "value": _sleep(str(value))}] if value else []
    if key == "frame_types":
        return [{"label": "Frame types sent", "value": _value(key, value)}] if value else []
    if not isinstance(value, dict):
        return []
    rows = _rows(key, value)
    if key == "radio" and value.get("name"):
        rows.insert(0, {"label": "Module", "value": str(value["name"])})
    if key == "destination" and value.get("type"):
        rows.insert(
            0, {"label": "Sends to", "value": option_label("destination.type", value["type"])}
        )
    return rows


def _figures(data: dict[str, Any]) -> list[dict[str, str]]:
    """What the check works out: the frame, the cycle, the battery, the program's size."""
    rows: list[dict[str, str]] = []

    def add(label: str, value: str) -> None:
        rows.append({"label": label, "value": value})

    plan = data.get("plan") or {}
    if plan:
        carried = plan.get("radio_max_bytes")
        add(
            "Frame",
            f"{plan['sent_bytes']} B sent"
            + (f" of {carried} B the radio carries" if carried else ""),
        )
        fields = [f"{f['name']} ({f['tag']})" for f in plan.get("fields", [])]
        add("Fields in each frame", ", ".join(fields) or "—")
    estimates = data.get("estimates") or {}
    if "cycle_s" in estimates:
        add("Awake each cycle", f"{estimates['awake_s']:g} s")
        add("One cycle", _duration(estimates["cycle_s"]))
        add("Cycles a day", f"{estimates['cycles_per_day']:g}")
    battery = estimates.get("battery") or {}
    if battery.get("life_days") is not None:
        add(
            "Battery life",
            f"about {battery['life_days']:,.0f} days ({battery['usable_life_days']:,.0f} usable), "
            f"{battery['average_ma']:g} mA on average",
        )
    memory = estimates.get("memory") or {}
    if memory.get("flash_bytes"):
        add(
            "Program size (estimated)",
            f"{memory['flash_bytes']:,} of {memory['flash_limit']:,} B flash; RAM at its worst "
            f"{memory['worst_ram_bytes']:,} of {memory['ram_limit']:,} B",
        )
    lorawan = estimates.get("lorawan") or {}
    chosen = next(
        (
            rate
            for rate in lorawan.get("data_rates", [])
            if rate["data_rate"] == lorawan.get("chosen")
        ),
        None,
    )
    if chosen is not None:
        add("LoRaWAN air time", f"DR{chosen['data_rate']}: {chosen['airtime_per_day_s']:g} s a day")
    return rows


def summary_sheet(
    summary: dict[str, Any], data: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """``[{"title": "Radio", "rows": [{"label": ..., "value": ...}]}, ...]``: what the check
    works out (from ``data``, the check's plan and estimates), then the sections the
    configuration has, in the form's order."""
    figures = _figures(data or {})
    sheet = [{"title": "At a glance", "rows": figures}] if figures else []
    for entry in _layout()["sections"]:
        rows = _section(entry["key"], summary)
        if rows:
            sheet.append({"title": entry["title"], "rows": rows})
    return sheet
