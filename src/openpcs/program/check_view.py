"""Text rendering of a "Check configuration" result (rich): what ``openpcs check``, ``build`` and
``twin`` print on the terminal and what a bundle's ``summary.txt`` holds."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from openpcs.config.check import CheckResult
from openpcs.config.issues import Issue

__all__ = ["print_check"]


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows += _flatten(f"{prefix}.{key}" if prefix else str(key), item)
        return rows
    if isinstance(value, list):
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, "" if value is None else str(value))]


def _issue_line(issue: Issue) -> str:
    return f"  {issue.describe()}"


def print_check(console: Console, result: CheckResult) -> None:
    """Print the summary, the frame plan, the estimates and the findings of one check."""
    verdict = "valid" if result.valid else f"{len(result.errors)} error(s)"
    extra = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    console.print(f"[bold]{result.source}[/bold]: {verdict}{extra}", highlight=False)
    document = result.to_dict()["data"]
    if "summary" in document:
        table = Table(
            box=None, show_header=False, pad_edge=False, title="Summary", title_justify="left"
        )
        for key, value in _flatten("", document["summary"]):
            table.add_row(key, value)
        console.print(table)
    if result.plan is not None:
        plan = result.plan
        types = " inside ".join(str(t) for t in reversed(plan.sent_types))
        limit = f", radio max {plan.radio_max} B" if plan.radio_max is not None else ""
        title = f"Frame plan: type {types}, {plan.frame_size} B ({plan.sent_size} B sent){limit}"
        table = Table(box=None, pad_edge=False, title=title, title_justify="left")
        for column in ("#", "source", "tag", "id", "bytes"):
            table.add_column(column)
        for index, item in enumerate(plan.fields, start=1):
            note = " (when a threshold is crossed)" if item.occasional else ""
            table.add_row(
                str(index), item.source + note, item.sensor.tag, str(item.sensor.id), str(item.size)
            )
        console.print(table)
        if plan.fragments:
            console.print(
                f"  sent as {len(plan.fragments)} fragments: "
                + " | ".join(" ".join(part) for part in plan.fragments)
            )
        if plan.tiny is not None:
            console.print(
                f"  {len(plan.tiny.parts)} tiny frame(s) of at most {plan.tiny.max_length} B: "
                + " | ".join(" ".join(part) for part in plan.tiny.parts)
            )
    if result.estimates is not None:
        estimates = result.estimates
        battery = estimates.battery
        console.print(
            f"Estimates: awake {estimates.awake_s:.0f} s per {estimates.cycle_s:.0f} s cycle, "
            f"{estimates.cycles_per_day:.1f} cycles a day, average {battery.average_ma:.3f} mA, "
            f"battery about {battery.life_days:,.0f} days ({battery.usable_life_days:,.0f} "
            f"usable, {battery.usable_life_years:.1f} years); program about "
            f"{estimates.memory.flash:,} B flash, {estimates.memory.ram:,} B RAM "
            f"({estimates.memory.worst_ram:,} B with the stack at its worst)",
            highlight=False,
        )
        for rate in estimates.lorawan_rates:
            mark = " <" if estimates.lorawan_rate is rate else ""
            spacing = f", {rate.spacing_s:.0f} s apart" if rate.spacing_s else ""
            console.print(
                f"  DR{rate.data_rate} SF{rate.spreading_factor}/{rate.bandwidth_khz} kHz: "
                f"{rate.tiny_frames} frame(s){spacing}, {rate.airtime_s * 1000:.0f} ms a cycle, "
                f"{rate.airtime_s * estimates.cycles_per_day:.1f} s a day{mark}",
                highlight=False,
            )
        if estimates.sigfox_messages_per_day is not None:
            console.print(
                f"  Sigfox: {estimates.sigfox_messages_per_day:.0f} messages a day (limit 140)"
            )
    if result.warnings:
        console.print("[yellow]Warnings[/yellow]")
        for issue in result.warnings:
            console.print(_issue_line(issue), markup=False, highlight=False)
    if result.errors:
        console.print("[red]Errors[/red]")
        for issue in result.errors:
            console.print(_issue_line(issue), markup=False, highlight=False)
