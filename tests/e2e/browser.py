"""Headless Chromium, driven by selenium, that reports what a visitor's browser would complain about.

Every page the browser opens is screenshotted into an artifact directory (kept only when the test
fails); the browser's console errors and the address of every request it made are read from its logs, so
a test can assert that a page logged no error and asked nothing of any host but the server.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import REPO
from .conftest import unavailable

# Debian's packages chromium and chromium-driver.
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless, as root, on a machine whose only network is loopback: without the background-networking
# flags Chromium keeps trying (and failing) to reach its vendor's services.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)
WAIT = 15
# Schemes of requests that never leave the browser.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


def artifacts_root() -> Path:
    """Where failed browser tests leave their screenshots: $SCAFFOLD_TEST_ARTIFACTS or test-artifacts/."""
    return Path(os.environ.get("SCAFFOLD_TEST_ARTIFACTS", REPO / "test-artifacts"))


def missing() -> str | None:
    """Why no browser can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return (
                f"no {path} on this machine: apt-get install chromium chromium-driver ({package})"
            )
    return None


class Browser:
    """One Chromium with a fresh profile, pointed at one server."""

    def __init__(self, base_url: str, artifacts: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.base_url = base_url.rstrip("/")
        self.server = urllib.parse.urlsplit(self.base_url).netloc
        self.artifacts = artifacts
        self.profile = Path(tempfile.mkdtemp(prefix="scaffold-chromium-"))
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        # Both paths are given, so selenium never runs Selenium Manager (which downloads drivers).
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(WAIT * 2)
        self._shots = 0

    # Reading the page

    @property
    def path(self) -> str:
        """The path (and query) of the page shown now."""
        parts = urllib.parse.urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def text(self) -> str:
        """The visible text of the page."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait_for(self, condition, message: str, timeout: float = WAIT) -> object:
        """Wait until `condition(driver)` is truthy; fail with `message` and a screenshot if not."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        # While a page is replaced, the old one's elements and scripts fail: ask again.
        waiting = WebDriverWait(self.driver, timeout, ignored_exceptions=(WebDriverException,))
        try:
            return waiting.until(condition)
        except TimeoutException:
            self.screenshot("timeout")
            pytest.fail(f"{message} (on {self.path}, after {timeout}s)")

    def wait_for_text(self, text: str, timeout: float = WAIT) -> None:
        """Wait until `text` is shown on the page (server-rendered, or added by the page's scripts)."""
        self.wait_for(lambda _: text in self.text(), f"{text!r} never appeared", timeout)

    # Acting

    def open(self, path: str, label: str | None = None) -> None:
        """Load `path` from the server, wait until it is complete, and screenshot it."""
        self.driver.get(self.base_url + path)
        self.settle(label or path)

    def settle(self, label: str) -> None:
        """Wait for the page to finish loading, then screenshot it."""
        from selenium.webdriver.common.by import By

        self.wait_for(
            lambda driver: driver.execute_script("return document.readyState") == "complete",
            "the page never finished loading",
        )
        # A page its scripts render (Dash's) is loaded only once they are done: Dash shows a
        # `_dash-loading` placeholder until its first render, and marks each component whose
        # callback is under way with `data-dash-is-loading`. Other pages have neither.
        self.wait_for(
            lambda driver: (
                not driver.find_elements(
                    By.CSS_SELECTOR, "._dash-loading, [data-dash-is-loading='true']"
                )
            ),
            "the page's scripts never finished rendering it",
        )
        self.screenshot(label)

    def click_and_wait(self, element, label: str, until=None) -> None:
        """Click `element`, then wait until `until(driver)` holds and the page has loaded.

        By default, until the browser has left the page (a form posted, a link followed) or the
        element is gone from it (a page that updates itself by its scripts).
        """
        marker = secrets.token_hex(8)
        self.driver.execute_script("window.scaffoldVisit = arguments[0]", marker)
        name = element.text or element.get_attribute("value")
        element.click()

        def moved(driver) -> bool:
            if driver.execute_script("return window.scaffoldVisit") != marker:
                return True
            return not element.is_displayed()

        self.wait_for(until or moved, f"nothing came of clicking {name!r} ({label})")
        self.settle(label)

    def fill(self, container, values: dict[str, str]) -> None:
        """Type into the visible fields of `container`: `values` by input type (text, email, password, textarea)."""
        from selenium.webdriver.common.by import By

        for field in container.find_elements(By.CSS_SELECTOR, "input, textarea"):
            if not field.is_displayed() or not field.is_enabled():
                continue
            kind = "textarea" if field.tag_name == "textarea" else field.get_attribute("type")
            value = values.get((kind or "text").lower())
            if value is not None:
                field.clear()
                field.send_keys(value)

    def submit(self, container, label: str, until=None) -> None:
        """Click the submit button of `container` (a form, or the block a script-driven form is in)."""
        from selenium.webdriver.common.by import By

        buttons = [
            button
            for button in container.find_elements(
                By.CSS_SELECTOR, "button, input[type=submit], input[type=button]"
            )
            if button.is_displayed() and (button.get_attribute("type") or "submit") != "reset"
        ]
        assert buttons, f"no button to submit with on {self.path}"
        self.click_and_wait(buttons[0], label, until)

    # What the browser saw

    def screenshot(self, label: str) -> None:
        """Save a screenshot of what is shown now, numbered in the order taken."""
        self._shots += 1
        self.artifacts.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "-", label).strip("-") or "home"
        self.driver.save_screenshot(str(self.artifacts / f"{self._shots:02d}-{name}.png"))

    def problems(self) -> list[str]:
        """Console errors, and requests to any host but the server, since the previous call."""
        found = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                found.append(f"console error: {entry['message']}")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            url = message["params"]["request"]["url"]
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in LOCAL_SCHEMES and parts.netloc != self.server:
                found.append(f"request to another host: {url}")
        return found

    def assert_clean(self) -> None:
        """No console error and no request to another host since the previous check."""
        found = self.problems()
        assert not found, "\n".join(found)

    def quit(self) -> None:
        """Close the browser and remove its profile."""
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


@contextmanager
def browsing(base_url: str, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A browser for one test; its screenshots stay in the artifact directory if the test fails."""
    reason = missing()
    if reason:
        unavailable(reason)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    artifacts = artifacts_root() / name
    shutil.rmtree(artifacts, ignore_errors=True)
    browser = Browser(base_url, artifacts)
    passed = False
    try:
        yield browser
        passed = True
    finally:
        browser.quit()
        if passed:
            shutil.rmtree(artifacts, ignore_errors=True)
            with_parent = artifacts.parent
            if with_parent.is_dir() and not any(with_parent.iterdir()):
                with_parent.rmdir()
        else:
            print(f"screenshots of each page: {artifacts}")
