"""Line plots of one sensor over time, drawn by the server as SVG (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from openpcs.web.data_views import Point

__all__ = ["svg_plot"]

_WIDTH: Final = 640
_HEIGHT: Final = 220
_LEFT: Final = 64
_RIGHT: Final = 16
_TOP: Final = 16
_BOTTOM: Final = 36


def _number(value: float) -> str:
    return f"{value:.6g}"


def svg_plot(points: Sequence[Point], *, title: str, unit: str = "") -> str:
    """An SVG of ``points`` (oldest first) with the value range and time span on its axes."""
    label = escape(f"{title} ({unit})" if unit else title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'role="img" aria-label="{label}" class="plot">'
        f'<rect x="0" y="0" width="{_WIDTH}" height="{_HEIGHT}" fill="#fff"/>'
        f'<text x="{_LEFT}" y="12" font-size="12" font-family="sans-serif">{label}</text>'
    )
    if not points:
        return (
            head + f'<text x="{_WIDTH // 2}" y="{_HEIGHT // 2}" text-anchor="middle" '
            'font-size="13" font-family="sans-serif" fill="#666">no readings yet</text></svg>'
        )
    low = min(p.value for p in points)
    high = max(p.value for p in points)
    if high == low:
        low, high = low - 1, high + 1
    start = points[0].at.timestamp()
    end = points[-1].at.timestamp()
    span = (end - start) or 1.0
    inner_w = _WIDTH - _LEFT - _RIGHT
    inner_h = _HEIGHT - _TOP - _BOTTOM

    def x(point: Point) -> float:
        if len(points) == 1:
            return _LEFT + inner_w / 2
        return _LEFT + (point.at.timestamp() - start) / span * inner_w

    def y(value: float) -> float:
        return _TOP + (high - value) / (high - low) * inner_h

    line = " ".join(f"{x(p):.1f},{y(p.value):.1f}" for p in points)
    bottom = _TOP + inner_h
    parts = [
        head,
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{bottom}" stroke="#999"/>',
        f'<line x1="{_LEFT}" y1="{bottom}" x2="{_WIDTH - _RIGHT}" y2="{bottom}" stroke="#999"/>',
        f'<text x="{_LEFT - 6}" y="{_TOP + 4}" text-anchor="end" font-size="11" '
        f'font-family="sans-serif">{_number(high)}</text>',
        f'<text x="{_LEFT - 6}" y="{bottom}" text-anchor="end" font-size="11" '
        f'font-family="sans-serif">{_number(low)}</text>',
        f'<text x="{_LEFT}" y="{_HEIGHT - 8}" font-size="11" font-family="sans-serif">'
        f"{points[0].at:%Y-%m-%d %H:%M:%S}</text>",
        f'<text x="{_WIDTH - _RIGHT}" y="{_HEIGHT - 8}" text-anchor="end" font-size="11" '
        f'font-family="sans-serif">{points[-1].at:%Y-%m-%d %H:%M:%S} UTC</text>',
        f'<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{line}"/>',
    ]
    if len(points) <= 60:
        parts.extend(
            f'<circle cx="{x(p):.1f}" cy="{y(p.value):.1f}" r="2.5" fill="#1f6feb"/>'
            for p in points
        )
    parts.append("</svg>")
    return "".join(parts)
