"""The web UI in headless Chromium: `tacitus serve` on the demo database, driven by Selenium.

Loads the events page, applies a filter with the form, opens an event and checks that its
evidence sentence and trigger are highlighted in the article text; saves screenshots under
docs/screenshots/. The browser resolves no name but loopback ones, and its network log must show
that every request went to the server on 127.0.0.1. Skipped when Chromium or its driver is absent
(`.ci/run` installs Debian's `chromium` and `chromium-driver`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tacitus.web.projection import invert

CHROMIUM = os.environ.get("TACITUS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TACITUS_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWPORT = (1280, 960)

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason=f"headless browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tacitus() -> list[str]:
    script = Path(sys.executable).with_name("tacitus")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tacitus.cli"]


@dataclass
class Server:
    base: str
    db: Path

    def json(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "tacitus.demo", str(db)], check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = (db.parent / "serve.log").open("w")
    process = subprocess.Popen([*_tacitus(), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/stats", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail("tacitus serve did not start:\n" + (db.parent / "serve.log").read_text())
                time.sleep(0.2)
        yield Server(base, db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
        f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "--force-device-scale-factor=1", "--lang=en-GB",
        # every name but loopback fails to resolve, so a page cannot reach anything else
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # the screenshots' size is the page's viewport, whatever the window decorations of this Chromium take
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False})
    try:
        yield driver
    finally:
        driver.quit()


def _requested_urls(driver: Any) -> list[str]:
    """Every URL the pages asked for since the last call, from Chrome's DevTools network log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _save(driver: Any, name: str) -> Path:
    """A screenshot of the window, written only when it changed (so an unchanged UI leaves git clean)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    png = driver.get_screenshot_as_png()
    path = SCREENSHOTS / name
    if not path.exists() or path.read_bytes() != png:
        path.write_bytes(png)
    return path


def _wait(driver: Any, condition: Any, seconds: float = 10) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def test_filter_open_an_event_and_see_its_evidence(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(server.base + "/")
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    rows = browser.find_elements(By.CSS_SELECTOR, "#event-table tbody tr")
    total = server.json("/api/stats")["totals"]["events"]
    assert len(rows) == min(total, 50) > 0
    assert browser.find_elements(By.CSS_SELECTOR, "#event-map g.dot")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.timeline rect.bar")
    # the country outlines drawn from /assets/world.svg reached the page
    land = browser.execute_script(
        "const u = document.querySelector('#event-map use.land'); const b = u.getBBox(); return [b.width, b.height];")
    assert land[0] > 0 and land[1] > 0
    _save(browser, "events.png")

    # filter with the form: assaults only
    Select(browser.find_element(By.ID, "f-type")).select_by_value("ASSAULT")
    browser.find_element(By.ID, "apply").click()
    _wait(browser, lambda d: "type=ASSAULT" in d.current_url)
    types = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#event-table tbody tr td:nth-child(2)")]
    expected = server.json("/api/events?type=ASSAULT&limit=500")["items"]
    assert types == ["ASSAULT"] * len(expected) and expected
    shapes = browser.find_elements(By.CSS_SELECTOR, "#event-map g.dot > circle, #event-map g.dot > path")
    assert {e.get_attribute("class") for e in shapes} <= {"t-ASSAULT", "rim"}
    _save(browser, "events-filtered.png")

    # open the deadliest assault and find its evidence highlighted in the article
    deadliest = max(expected, key=lambda e: e.get("killed") or 0)
    browser.find_element(By.CSS_SELECTOR, f"#event-table tr[data-event='{deadliest['id']}'] td:first-child a").click()
    _wait(browser, lambda d: f"/events/{deadliest['id']}" in d.current_url)
    event = server.json(f"/api/events/{deadliest['id']}")
    mentions = event["mentions"] if isinstance(event.get("mentions"), list) else [event]
    for mention in mentions:
        section = browser.find_element(By.CSS_SELECTOR, f"section.mention[data-mention='{mention['id']}']")
        evidence = section.find_element(By.CSS_SELECTOR, "mark.evidence")
        assert evidence.text == mention["evidence"]["sentence"].strip()
        trigger = evidence.find_element(By.CSS_SELECTOR, "mark.trigger")
        document = server.json(f"/api/documents/{mention['document']['id']}")["document"]
        span = mention["evidence"]
        assert trigger.text == document["text"][span["trigger_start"]:span["trigger_end"]]
        colour = trigger.value_of_css_property("background-color")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    _save(browser, "event.png")

    # the source or target actor's page
    actor_link = browser.find_elements(By.CSS_SELECTOR, "#event h1 a[href^='/actors/']")
    if actor_link:
        actor_link[0].click()
        _wait(browser, lambda d: "/actors/" in d.current_url)
        assert browser.find_element(By.ID, "actor").get_attribute("data-actor")
    # the actor seen most on both sides of events
    actors = server.json("/api/actors?limit=200")["items"]
    busiest = max(actors, key=lambda a: (min(a["as_source"], a["as_target"]), a["as_source"] + a["as_target"]))
    browser.get(server.base + "/actors/" + quote(busiest["id"], safe=""))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#acts-on .bar-row")) == len(
        {c["id"] for c in server.json("/api/actors/" + quote(busiest["id"], safe=""))["acts_on"]})
    _save(browser, "actor.png")

    # nothing left the machine: every request went to the server on loopback
    urls = _requested_urls(browser)
    assert urls
    strays = [u for u in urls if urlsplit(u).scheme not in ("data", "about")
              and urlsplit(u).hostname != "127.0.0.1"]
    assert not strays, strays
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_the_map_zooms_and_a_dragged_box_fills_the_area_filter(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/")
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    svg = browser.find_element(By.ID, "event-map")
    # the wheel zooms in around the pointer, and dots keep their size on screen
    before = [float(v) for v in svg.get_dom_attribute("viewBox").split()]
    dot = browser.find_element(By.CSS_SELECTOR, "#event-map g.dot")
    radius = dot.rect["width"]
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(svg), 0, -300).perform()
    _wait(browser, lambda d: float(svg.get_dom_attribute("viewBox").split()[2]) < before[2])
    assert dot.rect["width"] == pytest.approx(radius, abs=1.5)
    browser.find_element(By.ID, "zoom-world").click()
    assert float(svg.get_dom_attribute("viewBox").split()[2]) >= before[2]
    browser.refresh()
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")

    browser.find_element(By.ID, "select-area").click()
    svg = browser.find_element(By.ID, "event-map")
    view = [float(v) for v in svg.get_dom_attribute("viewBox").split()]
    width, height = svg.size["width"], svg.size["height"]
    # from the top-left quarter to the bottom-right quarter of the map: a box around the middle
    ActionChains(browser).move_to_element_with_offset(svg, -width // 4, -height // 4).click_and_hold() \
        .move_by_offset(width // 2, height // 2).release().perform()
    _wait(browser, lambda d: "bbox=" in d.current_url)
    bbox = browser.find_element(By.ID, "f-bbox").get_attribute("value")
    west, south, east, north = (float(v) for v in bbox.split(","))
    assert west < east and south < north
    # the box is centred where the map's view was centred
    x, y, w, h = view
    centre_lon, centre_lat = invert(x + w / 2, y + h / 2)
    assert abs((west + east) / 2 - centre_lon) < 0.1 * (east - west) + 0.5
    assert abs((south + north) / 2 - centre_lat) < 0.1 * (north - south) + 0.5
    assert browser.find_elements(By.CSS_SELECTOR, "#event-map path.bbox")
