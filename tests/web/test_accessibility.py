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
#: ids given to more than one element (each label must name one input)
_TWICE = """() => { const seen = new Set(), twice = new Set();
  for (const el of document.querySelectorAll("[id]")) (seen.has(el.id) ? twice : seen).add(el.id);
  return [...twice]; }"""
#: app.css turns a wide table's rows into cards in windows narrower than this
_CARDS_BELOW = 641
#: each stacked table's body cells: whether labelled by their column and shown as a card
_STACKED_CELLS = """() => [...document.querySelectorAll("table.stack")].flatMap((table) => {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const card = getComputedStyle(table.querySelector("thead")).position === "absolute";
  return [...table.querySelectorAll("tbody tr")].flatMap((row) =>
    [...row.children].filter((cell) => heads[cell.cellIndex] && !cell.hasAttribute("colspan"))
      .map((cell) => ({label: cell.dataset.label || "", want: heads[cell.cellIndex], card})));
})"""


def _stacked_rows(page: Any, width: int, problems: list[str]) -> int:
    """How many table cells show as cards; a cell without its column's name is a problem."""
    cells = page.evaluate(_STACKED_CELLS)
    for cell in cells:
        if cell["label"] != cell["want"]:
            problems.append(f"a cell of column {cell['want']!r} is labelled {cell['label']!r}")
    return sum(1 for cell in cells if cell["card"])


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
    stacked = 0
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
        stacked += _stacked_rows(page, width, found[path])
        found[path] += [
            f"id {name!r} is on more than one element" for name in page.evaluate(_TWICE)
        ]
    problems = [f"{path}: {item}" for path, items in found.items() for item in items]
    assert not problems, "\n".join(problems)
    assert missing == []
    assert stacked > 0 if width < _CARDS_BELOW else stacked == 0
    icon = httpx.get(f"{web.url}/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
