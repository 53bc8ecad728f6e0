"""Every page, checked by axe-core in Chromium at 1280 and 390 px: no serious or critical
accessibility violation (every input labelled, no duplicate ids, contrast…), nothing wider than
the window, and no request the page makes answered 404 (the favicon included)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import WebServer
from tests.web.test_api import NODE, SERIAL, register
from tests.web.test_e2e import shot, sign_in

PAGES = [
    "/configure",
    "/devices",
    f"/devices/{SERIAL}",
    "/templates",
    "/batches",
    "/account",
    "/settings",
]
_SERIOUS = ("serious", "critical")


def _violations(page: Any) -> list[str]:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in _SERIOUS
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_have_no_serious_accessibility_violation(
    web: WebServer, page: Any, admin: httpx.Client, width: int
) -> None:
    register(admin)
    admin.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=NODE).raise_for_status()
    admin.put(
        "/api/v1/pcs/templates/field", json={k: v for k, v in NODE.items() if k != "serial"}
    ).raise_for_status()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.set_viewport_size({"width": width, "height": 900})
    found: dict[str, list[str]] = {}
    page.goto(f"{web.url}/login")
    found["/login"] = _violations(page)
    sign_in(page, web, f"a11y-{width}")
    for path in PAGES:
        page.goto(f"{web.url}{path}")
        page.wait_for_load_state("networkidle")
        shot(page, f"a11y-{width}", path.strip("/").replace("/", "-"))
        found[path] = _violations(page)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width + 1:
            found[path].append(f"the page is {wide} px wide in a {width} px window")
    problems = [f"{path}: {item}" for path, items in found.items() for item in items]
    assert not problems, "\n".join(problems)
    assert missing == []
    icon = httpx.get(f"{web.url}/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
