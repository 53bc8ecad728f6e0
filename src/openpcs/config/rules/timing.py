"""GPS (§2.7), sleep (§2.8), RTC watchdog (§2.9) and battery warnings (§2.10)."""

from __future__ import annotations

from collections.abc import Iterator

from openpcs.catalog.devices import industrial
from openpcs.config.issues import Issue
from openpcs.config.model import Cellular4G, LoRaWAN
from openpcs.config.rules.base import RuleContext, error, rule, warning

#: Deep sleep is set by the RTC alarm, at most a month ahead ("1 s - 31 days").
_MAX_SLEEP_S = 31 * 86_400
_EFFICIENT_SLEEP_S = 10 * 60
#: RTC.setWatchdog rejects 0 and 30 days or more (43200 minutes).
_WATCHDOG_LIMIT_MIN = 43_200
_WATCHDOG_MARGIN_S = 10 * 60
_SLEEP_PARTS = {"days": 30, "hours": 23, "minutes": 59, "seconds": 59}
_THRESHOLDS = 3


@rule("gps", "2.7")
def gps_settings(context: RuleContext) -> Iterator[Issue]:
    """GPS timeout in range and at least one known field; no GPS on the Australian 4G."""
    gps = context.config.gps
    if gps is None or not gps.enabled:
        return
    spec = industrial().gps
    low, high = spec.timeout_s
    if not low <= gps.timeout_s <= high:
        yield error("gps.timeout_s", f"{gps.timeout_s} s is outside {low}..{high} s")
    if not gps.fields:
        yield error("gps.fields", f"choose at least one of {', '.join(spec.fields)}")
    for index, name in enumerate(gps.fields):
        if name not in spec.fields:
            yield error(
                f"gps.fields[{index}]", f"unknown GPS field '{name}' ({', '.join(spec.fields)})"
            )
        elif name in gps.fields[:index]:
            yield error(f"gps.fields[{index}]", f"{name} is listed twice")
    radio = context.config.radio
    if isinstance(radio, Cellular4G):
        region = context.radio.regions.get(radio.region)
        if region is not None and not region.gps:
            yield error("gps", f"the {region.name} module has no GPS")


@rule("sleep", "2.8")
def sleep_time(context: RuleContext) -> Iterator[Issue]:
    """Sleep > 0 and within a month; under 10 minutes uses a lot of energy."""
    sleep = context.config.sleep
    for part, high in _SLEEP_PARTS.items():
        value = getattr(sleep, part)
        if not 0 <= value <= high:
            yield error(f"sleep.{part}", f"{value} is outside 0..{high}")
    total = sleep.total_seconds()
    if total <= 0:
        yield error("sleep", "the sleep time must be more than 0 s")
    elif total > _MAX_SLEEP_S:
        yield error("sleep", "deep sleep lasts at most 31 days")
    elif total < _EFFICIENT_SLEEP_S:
        yield warning(
            "sleep",
            "sleeping less than 10 minutes uses a lot of energy; the battery will drain fast",
        )


@rule("watchdog", "2.9")
def watchdog_after_sleep(context: RuleContext) -> Iterator[Issue]:
    """The watchdog is longer than the sleep plus 10 minutes and under 30 days."""
    watchdog = context.config.watchdog
    if watchdog is None or not watchdog.enabled:
        return
    minutes = watchdog.minutes
    sleep_s = context.config.sleep.total_seconds()
    floor = (sleep_s + _WATCHDOG_MARGIN_S) // 60 + 1
    if floor >= _WATCHDOG_LIMIT_MIN:
        yield error(
            "watchdog",
            f"no watchdog fits this sleep: it must exceed the sleep plus 10 minutes ({floor} "
            f"min) and stay under {_WATCHDOG_LIMIT_MIN} min; shorten the sleep or disable it",
        )
    elif minutes <= 0 or minutes >= _WATCHDOG_LIMIT_MIN:
        yield error("watchdog.minutes", f"the watchdog takes 1..{_WATCHDOG_LIMIT_MIN - 1} minutes")
    elif minutes * 60 <= sleep_s + _WATCHDOG_MARGIN_S:
        yield error(
            "watchdog.minutes",
            f"{minutes} min would reset the node while it sleeps; it must exceed the sleep "
            f"time plus 10 minutes (at least {floor} min)",
        )
    else:
        yield from _watchdog_after_waits(context, minutes)


def _watchdog_after_waits(context: RuleContext, minutes: int) -> Iterator[Issue]:
    """The watchdog is re-armed when the node wakes: a cycle kept awake by the duty cycle's
    waits between uplinks (each tried twice at worst) must end before it fires."""
    estimates = context.estimates
    if estimates is None or estimates.lorawan_rate is None:
        return
    radio = context.config.radio
    # with ADR the network may lower the data rate: the slowest one's waits count
    adr = isinstance(radio, LoRaWAN) and radio.adr
    rates = estimates.lorawan_rates if adr else (estimates.lorawan_rate,)
    rate = max(rates, key=lambda r: r.tiny_frames * r.spacing_s)
    if not rate.spacing_s:
        return
    awake = estimates.awake_s + rate.tiny_frames * rate.spacing_s  # every retry waits once more
    cycle = awake + context.config.sleep.total_seconds()
    if minutes * 60 <= cycle:
        yield error(
            "watchdog.minutes",
            f"the duty cycle keeps the node awake up to {awake:.0f} s between its "
            f"{rate.tiny_frames} uplinks at DR{rate.data_rate}; {minutes} min would reset it "
            f"before the next cycle: give at least {int(cycle // 60) + 1} min, or a faster "
            "data rate",
        )


@rule("battery-warning", "2.10")
def battery_thresholds(context: RuleContext) -> Iterator[Issue]:
    """Three thresholds in 0..100 %, Threshold 1 > Threshold 2 > Threshold 3."""
    battery = context.config.battery_warning
    if battery is None or not battery.enabled:
        return
    values = battery.thresholds
    if len(values) != _THRESHOLDS:
        yield error("battery_warning.thresholds", f"give 3 thresholds, not {len(values)}")
        return
    for index, value in enumerate(values):
        if not 0 <= value <= 100:
            yield error(f"battery_warning.thresholds[{index}]", f"{value} % is outside 0..100")
    for index in range(1, len(values)):
        if values[index] >= values[index - 1]:
            yield error(
                f"battery_warning.thresholds[{index}]",
                f"thresholds go down: threshold {index + 1} ({values[index]} %) must be below "
                f"threshold {index} ({values[index - 1]} %)",
            )
