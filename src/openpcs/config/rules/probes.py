"""Model, probes per socket, repetition, calibration and probe parameters (guide §2.4-§2.5.4)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from openpcs.catalog.hardware import CalibrationKind, ModelSpec, calibrations, node_models, probes
from openpcs.config.issues import Issue
from openpcs.config.model import SOCKETS, SocketConfig
from openpcs.config.rules.base import RuleContext, error, rule, warning

_XTREME_CALIBRATION_SOCKET = "E"
_RADIATION_MODEL = "radiation_control"
_RADIATION_PERIOD_MS = (1_000, 3_600_000)
_RADIATION_SHORT_MS = 10_000


def _close(word: str, options: list[str]) -> str:
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{found[0]}'?" if found else ""


@rule("model", "2.4")
def model_is_known(context: RuleContext) -> Iterator[Issue]:
    """The model is one of the catalog's Plug & Sense! models."""
    if context.model is None:
        known = sorted(node_models())
        yield error(
            "model",
            f"unknown model '{context.config.model}'{_close(context.config.model, known)} "
            f"(models: {', '.join(known)})",
        )


def _where_offered(model: ModelSpec, probe_id: str) -> str:
    sockets = model.sockets_offering(probe_id)
    if not sockets:
        return f"{model.name} has no socket for it"
    return f"on {model.name} it goes in {', '.join(sockets)}"


@rule("probe-offered", "2.5")
def probe_is_offered_in_its_socket(context: RuleContext) -> Iterator[Issue]:
    """Each socket's probe exists and is offered by this model in this socket."""
    model = context.model
    if model is None:
        return
    known = probes()
    if not model.sockets and context.config.sockets:
        yield error(
            "sockets",
            f"{model.name} has built-in sensors only; remove the sockets section",
        )
        return
    for socket, chosen in context.config.sockets.items():
        path = f"sockets.{socket}.probe"
        offered = list(model.sockets.get(socket, ()))
        if chosen.probe not in known:
            yield error(path, f"unknown probe '{chosen.probe}'{_close(chosen.probe, offered)}")
        elif not offered:
            yield error(path, f"socket {socket} of {model.name} takes no probe")
        elif chosen.probe not in offered:
            yield error(
                path,
                f"{known[chosen.probe].name} is not offered in socket {socket}; "
                f"{_where_offered(model, chosen.probe)}",
            )


@rule("probe-repetition", "2.5")
def unique_probes_once(context: RuleContext) -> Iterator[Issue]:
    """Probes the guide limits (§2.16.1) may be chosen in one socket only."""
    model = context.model
    if model is None:
        return
    first: dict[str, str] = {}
    for socket in SOCKETS:
        chosen = context.config.sockets.get(socket)
        if chosen is None or not model.is_unique(chosen.probe):
            continue
        if chosen.probe in first:
            yield error(
                f"sockets.{socket}.probe",
                f"{chosen.probe} is already in socket {first[chosen.probe]}; "
                f"{model.name} allows it in one socket only",
            )
        else:
            first[chosen.probe] = socket


def _calibration_values(
    socket: str, chosen: SocketConfig, kind_id: str, kind: CalibrationKind
) -> Iterator[Issue]:
    path = f"sockets.{socket}.calibration"
    given = chosen.calibration
    if given is None:
        if kind.optional:
            return
        given = {}  # each value the probe needs is said missing at its own field
    for name in given:
        if name not in kind.values:
            yield error(f"{path}.{name}", f"not a {kind_id} value{_close(name, list(kind.values))}")
    for name, spec in kind.values.items():
        if name not in given:
            yield error(f"{path}.{name}", f"missing ({spec.help}, {spec.unit})")
            continue
        low, high = spec.range
        if not low <= given[name] <= high:
            yield error(f"{path}.{name}", f"{given[name]} {spec.unit} is outside {low}..{high}")


def _calibration_points(
    socket: str, chosen: SocketConfig, kind: CalibrationKind
) -> Iterator[Issue]:
    path = f"sockets.{socket}.points"
    points = chosen.points
    if points is None:
        yield error(path, f"{chosen.probe} needs {kind.points} calibration points (ppm, volts)")
        return
    if len(points) != kind.points:
        yield error(path, f"give exactly {kind.points} points (ppm, volts), not {len(points)}")
        return
    for index, point in enumerate(points):
        if point.ppm <= 0:
            yield error(f"{path}[{index}].ppm", "concentrations are positive (ppm)")
        if not -5.0 <= point.volts <= 5.0:
            yield error(f"{path}[{index}].volts", f"{point.volts} V is outside -5..5 V")
    for index in range(1, len(points)):
        if points[index].ppm <= points[index - 1].ppm:
            yield error(
                f"{path}[{index}].ppm",
                "calibration points go in increasing concentration (ppm)",
            )


@rule("calibration", "2.5.1")
def probes_have_their_calibration(context: RuleContext) -> Iterator[Issue]:
    """Smart Water probes carry their calibration values; Ions probes 3 increasing points."""
    known = probes()
    kinds = calibrations()
    for socket, chosen in sorted(context.config.sockets.items()):
        probe = known.get(chosen.probe)
        if probe is None:
            continue
        kind_id = probe.calibration
        if kind_id is None:
            if chosen.calibration is not None or chosen.points is not None:
                yield error(f"sockets.{socket}", f"{chosen.probe} takes no calibration values")
            continue
        kind = kinds[kind_id]
        if kind.points is not None:
            if chosen.calibration is not None:
                yield error(
                    f"sockets.{socket}.calibration", "Ions probes take 'points', not values"
                )
            yield from _calibration_points(socket, chosen, kind)
        else:
            if chosen.points is not None:
                yield error(f"sockets.{socket}.points", f"{chosen.probe} takes named values")
            yield from _calibration_values(socket, chosen, kind_id, kind)


_XTREME_ADVICE = (
    "Xtreme probes are calibrated only in socket E, the RS-485 socket; the values stay in the "
    "probe. Make one binary per probe with it in E, calibrate, then a final binary with the "
    "probes where you want them"
)


@rule("xtreme-calibration", "2.5.2")
def xtreme_calibration_in_socket_e(context: RuleContext) -> Iterator[Issue]:
    """The Xtreme calibration menu works only for a calibratable probe in socket E."""
    known = probes()
    for socket, chosen in sorted(context.config.sockets.items()):
        if not chosen.calibrate:
            continue
        path = f"sockets.{socket}.calibrate"
        probe = known.get(chosen.probe)
        if probe is None:
            continue
        if not probe.xtreme_calibration:
            yield error(path, f"{probe.name} has no calibration menu")
        elif socket != _XTREME_CALIBRATION_SOCKET:
            yield error(path, _XTREME_ADVICE)
        else:
            yield warning(
                path,
                "the program offers the calibration menu at start-up (type 'C'); the values stay "
                "in the probe, so after calibrating make the final binary with the probes where "
                "you want them",
            )


@rule("radiation-period", "2.5.4")
def radiation_has_its_measuring_period(context: RuleContext) -> Iterator[Issue]:
    """Radiation Control needs a measuring period in range; other models take none."""
    radiation = context.config.radiation
    if context.config.model != _RADIATION_MODEL:
        if radiation is not None:
            yield error("radiation", "only Radiation Control has a radiation sensor")
        return
    if radiation is None:
        yield error(
            "radiation.measuring_period_ms", "Radiation Control needs its measuring period (ms)"
        )
        return
    low, high = _RADIATION_PERIOD_MS
    period = radiation.measuring_period_ms
    if not low <= period <= high:
        yield error("radiation.measuring_period_ms", f"{period} ms is outside {low}..{high} ms")
    elif period < _RADIATION_SHORT_MS:
        yield warning(
            "radiation.measuring_period_ms",
            "under 10 s the tube counts few pulses; the reading will be noisy",
        )
