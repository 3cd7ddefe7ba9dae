"""The explorer in a real browser: served on localhost, driven by Playwright in Debian's headless
Chromium, with every request outside localhost blocked and counted (there must be none).

An analyst's session: search an entity, open it, open its exposure and download an export, expand a
node of its network, click a site on the map, reload a deep link (the role stays). Then every page for
Apple, the RCMP, a smelter and an artisanal mine, as the analyst and as the public, screenshotted into
test-artifacts/explorer/ (git-ignored) with first-paint timings (reported, not asserted).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from tierwatch.graph.settings import REPO_ROOT, Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO_ROOT / "test-artifacts" / "explorer"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
RCMP = "canada:dept:rcmp-grc"
#: The entities every page is screenshotted for, and the pages that apply to each.
SHOWN = {
    "apple": ("org:apple", ("entity", "network", "map", "exposure")),
    "rcmp": (RCMP, ("entity", "network", "map", "exposure", "paths")),
    "smelter": ("rmi:CID004065", ("entity", "network", "map")),  # a tin smelter (RMI, licence-restricted)
    "artisanal-mine": ("rm:mine:artisanal-producers:lopoto-congo-kinshasa", ("entity", "network", "map")),
}
PAGE_PATH = {
    "entity": "/search",
    "network": "/network",
    "map": "/map",
    "exposure": "/exposure",
    "paths": "/paths",
}
READY = {  # what each page draws last
    "network": "[data-testid=tw-network-svg]",
    "map": "[data-testid=stDeckGlJsonChart] canvas",
    "exposure": "[data-testid=tw-flow-svg]",
}
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        reason = "Debian's chromium is not installed (apt-get install -y chromium)"
        if CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


def _free_port(start: int = 8601) -> int:
    for port in range(start, start + 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8601..8700")


@pytest.fixture(scope="module")
def served(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The explorer on the demo graph, started as `tierwatch explore` starts it."""
    from tierwatch.explorer import spawn

    port = _free_port()
    keys = tmp_path_factory.mktemp("keys") / "keys.json"
    settings = Settings(store_dir=demo_store_dir, keys_file=keys)
    log = (tmp_path_factory.mktemp("explorer-log") / "streamlit.log").open("w")
    proc = spawn("127.0.0.1", port, settings, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"the explorer did not start: {Path(log.name).read_text()[-2000:]}")
        time.sleep(0.3)
    from tierwatch.api.auth import KeyStore

    key = KeyStore(keys).add("analyst", note="browser test")
    yield base, key
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return (parsed.hostname or "") in LOCAL_HOSTS


def _settle(page, timeout: float = 90.0) -> None:
    """Wait until the script run is over (no running indicator, no spinner, no skeleton)."""
    deadline = time.monotonic() + timeout
    page.wait_for_selector("h1", timeout=timeout * 1000)
    quiet = 0
    while time.monotonic() < deadline:
        busy = page.evaluate("""() => !!document.querySelector(
            '[data-testid=stStatusWidget], [data-testid=stSpinner], [data-testid=stSkeleton]')""")
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
        time.sleep(0.2)
    raise AssertionError("the page did not settle")


def _first_paint(page, url: str) -> float:
    """Seconds from navigation to the page's title being drawn (the app's first contentful paint)."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("h1", timeout=90_000)
    return time.perf_counter() - start


def _browser(pw, profile: Path, height: int):
    """A fresh headless Chromium profile (its own cookies: its own session)."""
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=_chromium(),
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1500, "height": height},
        accept_downloads=True,
    )


def _deck_error(msg, errors: list[str]) -> None:
    """deck.gl reports a layer it could not build on the console (the page goes on without it)."""
    if msg.type == "error" and msg.text.startswith("deck:"):
        errors.append(msg.text[:300])


def _label_clashes(page) -> list[list[str]]:
    """Pairs of drawn network labels whose rendered boxes overlap (measured by the browser: getBBox)."""
    return page.evaluate("""() => {
        const svg = document.querySelector('[data-testid=tw-network-svg]');
        if (!svg) return [];
        const boxes = [...svg.querySelectorAll('text')].map((t) => [t.textContent, t.getBBox()]);
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [a, p] = boxes[i], [b, q] = boxes[j];
            if (p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height)
                out.push([a, b]);
        }
        return out;
    }""")


def _every_page(page, base: str, role: str, shot) -> dict[str, float]:
    """Each entity's pages, screenshotted as ``<role>-<entity>-<page>.png``; first paint per page."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    timings: dict[str, float] = {}
    page.set_viewport_size({"width": 1500, "height": 1600})
    for name, (entity, pages) in SHOWN.items():
        for kind in pages:
            timings[f"{role}-{name}-{kind}"] = _first_paint(page, f"{base}{PAGE_PATH[kind]}?id={entity}")
            _settle(page)
            if kind in READY and page.get_by_text("not visible to the").count() == 0:
                with contextlib.suppress(PlaywrightTimeout):  # an empty state instead: shot as it is
                    page.locator(READY[kind]).first.wait_for(timeout=20_000)
                time.sleep(1.0)
            assert page.get_by_text(f"Role: {role}").is_visible(), f"{role} on {kind} of {name}"
            shot(page, f"{role}-{name}-{kind}")
            if kind == "network":
                assert _label_clashes(page) == [], f"overlapping labels on {role}-{name}-{kind}"
    return timings


def test_an_analyst_session_in_headless_chromium_with_no_request_leaving_localhost(served, tmp_path):
    from playwright.sync_api import sync_playwright

    base, key = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    timings: dict[str, float] = {}

    def shot(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    with sync_playwright() as pw:
        context = _browser(pw, tmp_path / "profile", height=1100)

        def guard(route) -> None:
            if _is_local(route.request.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.pages[0] if context.pages else context.new_page()
        page.on("websocket", lambda ws: None if _is_local(ws.url) else outside.append(ws.url))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: _deck_error(msg, errors))

        # -- search an entity -------------------------------------------------------------------
        page.goto(f"{base}/")
        _settle(page)
        page.get_by_label("Analyst API key", exact=True).fill(key)
        page.get_by_role("button", name="Unlock analyst role").click()
        page.get_by_text("Role: analyst").wait_for(timeout=30_000)
        page.get_by_label("Search", exact=True).fill("Royal Canadian Mounted Police")
        page.keyboard.press("Enter")
        page.get_by_text("match(es)").wait_for(timeout=60_000)
        _settle(page)
        shot(page, "1-search")
        grid = page.locator("[data-testid=stDataFrame]").first.bounding_box()
        assert grid is not None
        page.mouse.click(grid["x"] + 12, grid["y"] + 35 + 17)  # the first row's selection box
        page.get_by_role("heading", name="Royal Canadian Mounted Police").wait_for(timeout=60_000)
        _settle(page)
        shot(page, "2-entity")

        # -- open its exposure and download an export ----------------------------------------
        page.get_by_role("button", name="Exposure").first.click()
        page.get_by_text("Exposure of Royal Canadian Mounted Police").wait_for(timeout=90_000)
        _settle(page)
        page.get_by_text("Coverage: what the graph maps").wait_for()
        page.locator("[data-testid=stExpander] summary").filter(has_text="finding(s) on").first.click()
        shot(page, "3-exposure")
        page.locator("[data-testid=stExpander] summary").filter(has_text="Download this view").click()
        page.get_by_text("JSON (node-link)").click()
        _settle(page)
        with page.expect_download(timeout=90_000) as info:
            page.get_by_role("button", name="Download json").click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        exported = json.loads(target.read_text(encoding="utf-8"))
        assert target.name.startswith("exposure-") and target.suffix == ".json"
        assert any(n["id"] == RCMP for n in exported["nodes"])
        assert len(exported["nodes"]) > 10 and exported["links"] if "links" in exported else exported["edges"]

        # -- expand a node of its network (in-app navigation: the session keeps its role) -----
        page.locator("[data-testid=stSidebarNav]").get_by_role("link", name="Network").click()
        page.get_by_role("heading", name="Network").wait_for(timeout=60_000)
        _settle(page)
        svg = page.locator("[data-testid=tw-network-svg]")
        svg.wait_for(timeout=60_000)
        before = page.locator("[data-node-id]").count()
        assert before > 20
        assert page.locator("[data-node-id^='group:']").count() >= 1, "large fan-outs are grouped"
        shot(page, "4-network")
        assert _label_clashes(page) == [], "no two drawn labels overlap"
        page.locator('[data-node-id="org:general-motors"]').first.click()
        page.get_by_role("button", name="Centre the network here").wait_for(timeout=60_000)
        _settle(page)
        page.locator("[data-testid=tw-network-svg]").wait_for()
        after = page.locator("[data-node-id]").count()
        assert after >= before, "expanding a node keeps what was drawn and adds its neighbours"
        assert page.get_by_text("General Motors").first.is_visible()
        assert page.get_by_text("Path from Royal Canadian Mounted Police").is_visible(), (
            "its path and evidence"
        )
        assert page.get_by_text("Role: analyst").is_visible(), "the session kept the analyst role"
        shot(page, "5-network-expanded")

        # -- a reload or a deep link keeps the role (a cookie with an opaque token, no key) ----------
        mine_id, _ = SHOWN["artisanal-mine"]
        page.goto(f"{base}/map?id={mine_id}")
        _settle(page)
        assert page.get_by_text("Role: analyst").is_visible(), "the role survives a reload"
        assert key not in page.url and all(key not in c["value"] for c in context.cookies())
        # -- the map: click the site (alone, so at the centre of the view) and it opens -------------
        canvas = page.locator(READY["map"]).first
        canvas.wait_for(timeout=60_000)
        time.sleep(1.5)
        box = canvas.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x - 20, y)  # deck.gl picks on hover first, then takes the click
        time.sleep(0.3)
        page.mouse.move(x, y)
        time.sleep(0.5)
        page.mouse.down()
        time.sleep(0.1)
        page.mouse.up()
        page.get_by_text("Selected:").wait_for(timeout=30_000)
        assert page.get_by_text("Lopoto").first.is_visible()
        shot(page, "6-map-clicked")

        # -- Apple's 2-tier upstream network without grouping: the crowded tier-2 column is thinned -----
        page.goto(f"{base}/network?id=org:apple")
        _settle(page)
        page.locator("[data-testid=tw-network-svg]").wait_for(timeout=60_000)
        page.get_by_text("Group large fan-outs").click()
        _settle(page)
        page.locator("[data-testid=tw-network-svg]").wait_for(timeout=60_000)
        time.sleep(1.0)
        assert page.locator("[data-node-id^='group:']").count() == 0
        shot(page, "7-network-apple-ungrouped")
        assert page.locator("[data-testid=tw-network-svg] text").count() >= 30, "thinned, not blanked"
        assert _label_clashes(page) == [], "no two drawn labels overlap in the crowded column"

        # -- every page for each entity, as the analyst (this context) and the public (a new one) -----
        timings.update(_every_page(page, base, "analyst", shot))
        public = _browser(pw, tmp_path / "profile-public", height=1600)
        public.route("**/*", guard)
        ppage = public.pages[0] if public.pages else public.new_page()
        ppage.on("pageerror", lambda exc: errors.append(str(exc)))
        ppage.on("console", lambda msg: _deck_error(msg, errors))
        ppage.goto(f"{base}/search")
        _settle(ppage)
        assert ppage.get_by_text("Role: public").is_visible()
        timings.update(_every_page(ppage, base, "public", shot))
        ppage.goto(f"{base}/")
        ppage.wait_for_url("**/search", timeout=30_000)
        public.close()
        context.close()

    (ARTIFACTS / "timings.json").write_text(
        json.dumps({k: round(v, 3) for k, v in timings.items()}, indent=2)
    )
    print("\nfirst paint (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    print(f"requests outside localhost: {len(outside)}")
    assert outside == [], f"requests left localhost: {sorted(set(outside))[:10]}"
    assert not errors, errors[:5]
