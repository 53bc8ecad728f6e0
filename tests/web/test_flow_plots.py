"""Browser flow "the data view": a node's measurements over time, drawn by the charting library
the build installs (no CDN, no eval, no inline script: the page's CSP holds and the console
has no CSP error), with hover values, a zoom shared by every plot, and a time range kept in
the address. At 1280 px and at 390 px. Also: the series the plots read, its range and its
refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from openpcs.frames.binary import encode_binary
from openpcs.frames.values import make_field
from openpcs.gateway.store.schema import FRAMES
from tests.web.conftest import WebServer
from tests.web.test_api import register
from tests.web.test_e2e import shot, sign_in

SERIAL = "0102030405060A0B"
#: hours before now each frame is dated, and its temperature
HISTORY = ((96, 18.5), (48, 19.25), (10, 21.0), (2, 22.5), (1, 23.75))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _history(web: WebServer, admin: httpx.Client) -> datetime:
    """Frames from SERIAL dated HISTORY hours ago (received now, then dated back in the
    store: no ingest path takes a receive time from its caller); returns now."""
    register(admin, SERIAL, model="smart_cities_pro")
    now = datetime.now(UTC).replace(microsecond=0)
    for sequence, (hours, temperature) in enumerate(HISTORY):
        fields = [make_field("TC", temperature), make_field("BAT", 90 - sequence)]
        frame = encode_binary(serial=SERIAL, node_name="plaza", sequence=sequence, fields=fields)
        sent = httpx.get(f"{web.url}/getpost_frame_parser.php", params={"frame": frame.hex()})
        assert sent.text.startswith("ok "), sent.text
        frame_id = int(sent.text.split()[1])
        with web.gateway.engine.begin() as connection:
            connection.execute(
                update(FRAMES)
                .where(FRAMES.c.id == frame_id)
                .values(received_at=now - timedelta(hours=hours))
            )
    return now


def test_the_series_follow_the_range_and_refuse_bad_times(
    web: WebServer, admin: httpx.Client
) -> None:
    now = _history(web, admin)
    whole = admin.get(f"/devices/{SERIAL}/series.json").json()["series"]
    by_tag = {item["sensor"]: item for item in whole}
    assert set(by_tag) == {"TC", "BAT"}
    assert [value for _, value in by_tag["TC"]["points"]] == [t for _, t in HISTORY]
    assert [at for at, _ in by_tag["TC"]["points"]] == [
        (now - timedelta(hours=hours)).timestamp() for hours, _ in HISTORY
    ]
    assert by_tag["TC"]["unit"] == "°C"
    assert by_tag["TC"]["truncated"] is False

    day = {"since": _iso(now - timedelta(hours=24))}
    recent = admin.get(f"/devices/{SERIAL}/series.json", params=day).json()["series"]
    assert [v for _, v in next(s for s in recent if s["sensor"] == "TC")["points"]] == [
        21.0,
        22.5,
        23.75,
    ]
    window = {"since": _iso(now - timedelta(hours=72)), "until": _iso(now - timedelta(hours=2))}
    middle = admin.get(f"/devices/{SERIAL}/series.json", params=window).json()["series"]
    assert [v for _, v in next(s for s in middle if s["sensor"] == "TC")["points"]] == [
        19.25,
        21.0,
    ]

    for bad in ("yesterday", "2026-12-05T10:00:00", "1700000000"):
        answer = admin.get(f"/devices/{SERIAL}/series.json", params={"since": bad})
        assert answer.status_code == 422, answer.text
        assert "since" in answer.text
    reversed_range = {"since": "2026-12-05T10:00:00Z", "until": "2026-12-05T09:00:00Z"}
    answer = admin.get(f"/devices/{SERIAL}/series.json", params=reversed_range)
    assert answer.status_code == 422
    assert answer.json()["error"] == "until: must be later than since"
    assert admin.get("/devices/0000000000000001/series.json").status_code == 404


@pytest.mark.parametrize("width", [1280, 390])
def test_flow_plots_hover_zoom_and_range(
    web: WebServer, page: Any, admin: httpx.Client, width: int
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    flow = f"plots-{width}"
    now = _history(web, admin)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web, flow)
    page.goto(f"{web.url}/devices/{SERIAL}")
    tc = page.locator('#plots figure[data-sensor="TC"]')
    tc.locator("canvas").wait_for()
    assert page.locator("#plots figure").count() == 2  # TC and BAT, nothing else
    assert "Temperature (°C)" in str(tc.locator("figcaption").text_content())
    status = page.locator("#plots-status")
    expect(status).to_have_text(re.compile("^10 readings, all time"))
    shot(page, flow, "02-all")

    over = tc.locator(".u-over")
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)
    legend = tc.locator(".u-legend .u-series").nth(1).locator(".u-value")
    expect(legend).to_have_text("23.75")  # the newest reading, at the right edge (2 decimals)
    shot(page, flow, "03-hover")

    before = (tc.get_attribute("data-from"), tc.get_attribute("data-to"))
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.95, box["y"] + 20, steps=8)
    page.mouse.up()
    after = (tc.get_attribute("data-from"), tc.get_attribute("data-to"))
    assert after != before
    assert after[0] > before[0]  # zoomed in on the newest part
    bat = page.locator('#plots figure[data-sensor="BAT"]')
    assert (bat.get_attribute("data-from"), bat.get_attribute("data-to")) == after
    shot(page, flow, "04-zoomed")

    page.click('#range button[data-hours="24"]')
    expect(status).to_have_text(re.compile("^6 readings"))
    assert "since=" in page.url
    page.reload()
    expect(status).to_have_text(re.compile("^6 readings"))
    shot(page, flow, "05-day")

    page.fill("#range-since", (now - timedelta(hours=72)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.fill("#range-until", (now - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click('#range button[type="submit"]')
    expect(status).to_have_text(re.compile("^2 readings"))
    since = (now - timedelta(hours=72)).strftime("%Y-%m-%d %H:%M UTC")
    expect(status).to_contain_text(f"from {since} to ")  # in words, not as RFC 3339
    page.fill("#range-since", (now - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.fill("#range-until", (now - timedelta(days=399)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click('#range button[type="submit"]')
    expect(status).to_have_text("No readings in this range.")
    assert page.locator("#plots figure").count() == 0
    page.fill("#range-until", (now - timedelta(days=401)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click('#range button[type="submit"]')
    expect(status).to_have_text("“To” must be later than “From”.")
    expect(status).to_have_class(re.compile("problem"))  # said in red, not as a hint
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert not [text for text in refused if "Content Security Policy" in text or "Error" in text]
