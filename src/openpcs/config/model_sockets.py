"""The sockets A-F of a node and the probe in each (guide §2.4-§2.5.5).

``SocketConfig`` is one socket's probe and the parameters it takes (calibration values, the
Smart Water Ions calibration points, the Smart Security event behaviour); ``RadiationConfig``
and ``RelayConfig`` are the settings of the Radiation Control board and of the Smart Security
relay in socket F. The models check structure and types only; which probe a socket offers and
whether its parameters suit it are rules in :mod:`openpcs.config.rules`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from openpcs.config.model_base import StrictModel

__all__ = [
    "SOCKETS",
    "IonPoint",
    "RadiationConfig",
    "RelayConfig",
    "SocketConfig",
    "SocketName",
]

SocketName = Literal["A", "B", "C", "D", "E", "F"]
SOCKETS: tuple[SocketName, ...] = ("A", "B", "C", "D", "E", "F")


class IonPoint(StrictModel):
    """One Smart Water Ions calibration point: a concentration and the voltage measured in it."""

    ppm: float
    volts: float


class SocketConfig(StrictModel):
    """The probe in one socket and the parameters that probe needs.

    ``calibration`` holds named values as the board's API takes them (see the probe's
    calibration kind in the catalog); ``points`` the Ions calibration points; ``event`` the
    Smart Security behaviour; ``calibrate`` asks an Xtreme program to offer its calibration menu.
    An unset ``event`` on an event probe means ``disabled``.
    """

    probe: str
    calibration: dict[str, float] | None = None
    points: list[IonPoint] | None = None
    event: Literal["disabled", "wake_up", "wake_up_relay"] | None = None
    calibrate: bool = False

    @model_validator(mode="before")
    @classmethod
    def _probe_shorthand(cls, data: Any) -> Any:
        """Accept ``A: bme280`` for ``A: {probe: bme280}``."""
        return {"probe": data} if isinstance(data, str) else data


class RadiationConfig(StrictModel):
    """Radiation Control: how long each reading counts pulses."""

    measuring_period_ms: int


class RelayConfig(StrictModel):
    """The Smart Security relay output (socket F) and when it switches off again."""

    enabled: bool = True
    mode: Literal["timeout", "until_clear"] = "timeout"
    timeout_s: int | None = None
