"""What a Dash project promises beyond every framework's checks, on its live servers.

`make serve` is gunicorn on the Flask server under the Dash app: Dash's dev tools off, HTTPS known
from a trusted proxy's headers, callbacks that change data refused without a CSRF token or a
log-in. `make dev` is Dash's debug server: dev tools on, no call to plotly's version server, and a
reload when the code changes.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import CATALOG, Combination, clean_environ
from .conftest import (
    PROJECT_NAME,
    Project,
    Response,
    Server,
    cookie_header,
    cookies_of,
    fetch,
    run,
    serving,
)

pytestmark = pytest.mark.e2e

ALL_FEATURES = CATALOG.combinations(CATALOG.framework("dash"))["sqlite"]
EMAIL = "grace@example.com"
PASSWORD = "a long enough password"
TRACEBACK = "Traceback (most recent call last)"
ADD_NOTE = {
    "output": "..note-message.children...note-list.children...note-title.value...note-body.value..",
    "outputs": [
        {"id": "note-message", "property": "children"},
        {"id": "note-list", "property": "children"},
        {"id": "note-title", "property": "value"},
        {"id": "note-body", "property": "value"},
    ],
    "inputs": [{"id": "note-add", "property": "n_clicks", "value": 1}],
    "state": [
        {"id": "note-title", "property": "value", "value": "From the live server"},
        {"id": "note-body", "property": "value", "value": ""},
    ],
    "changedPropIds": ["note-add.n_clicks"],
}
JSON_NOTE = json.dumps(ADD_NOTE).encode()
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def project(installed_project: Callable[[Combination], Project]) -> Path:
    """The installed and migrated Dash project with SQLite and every feature."""
    return installed_project(Combination("dash", "sqlite", ALL_FEATURES)).root


def dash_config(page: Response) -> dict[str, object]:
    """The configuration Dash gives its renderer in a page's HTML."""
    match = re.search(
        r'<script id="_dash-config" type="application/json">(.*?)</script>', page.body
    )
    assert match, page.body
    return json.loads(match.group(1))


def sign_up(url: str) -> dict[str, str]:
    """Sign up through the live server's form; the cookies of the logged-in client."""
    page = fetch(url + "/signup")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.body)
    assert token, page.body
    form = {"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD, "confirm": PASSWORD}
    done = fetch(url + "/signup", form=form, headers=cookie_header(cookies_of(page.headers)))
    assert done.status == 302, done.body
    return cookies_of(done.headers)


def test_production_runs_without_dashs_debugging_aids(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        home = fetch(server.url + "/")
        config = dash_config(home)
        assert config["ui"] is False
        assert config["props_check"] is False
        assert "hot_reload" not in config
        # gunicorn names itself, without a version; neither Flask nor Dash is named.
        assert home.headers["server"] == ["gunicorn"]
        missing = fetch(server.url + "/no-such-page")
        assert missing.status == 404
        assert html.escape(PROJECT_NAME) in missing.body
        refused = fetch(server.url + "/api/notes", form={"title": "not JSON"})
        assert refused.status == 401
        assert json.loads(refused.body) == {"error": "log in to create notes"}
        health = fetch(server.url + "/health", headers={"Host": "example.com"})
        assert health.status == 200
        assert "set-cookie" not in health.headers


def test_a_request_forwarded_as_https_by_a_trusted_proxy_is_https(project: Path) -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    with serving(project, "serve", clean_environ()) as server:
        page = fetch(server.url + "/", headers=forwarded)
        # Flask's request.url, which Dash puts in the page's meta tags.
        assert f'content="https://127.0.0.1:{server.port}/"' in page.body
        for header in page.headers["set-cookie"]:
            assert "; secure" in header.lower()
    # From an address that is not a trusted proxy, the header is ignored.
    with serving(project, "serve", clean_environ(FORWARDED_ALLOW_IPS="192.0.2.1")) as server:
        page = fetch(server.url + "/", headers=forwarded)
        assert f'content="http://127.0.0.1:{server.port}/"' in page.body


def titles(base_url: str) -> list[str]:
    """The titles of the notes the API lists, newest first."""
    return [note["title"] for note in json.loads(fetch(base_url + "/api/notes").body)["items"]]


def test_callbacks_that_change_data_need_the_csrf_token_and_a_log_in(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        endpoint = server.url + "/_dash-update-component"
        # The project is shared with other tests, which may have added notes of their own.
        before = titles(server.url)
        visitor = cookies_of(fetch(server.url + "/notes").headers)
        token = {"X-CSRFToken": visitor["_csrf_token"]}
        no_token = fetch(endpoint, body=JSON_NOTE, headers=JSON | cookie_header(visitor))
        assert no_token.status == 403
        anonymous = fetch(endpoint, body=JSON_NOTE, headers=JSON | cookie_header(visitor) | token)
        assert anonymous.status == 401
        assert TRACEBACK not in anonymous.body
        user = sign_up(server.url)
        user |= cookies_of(fetch(server.url + "/notes", headers=cookie_header(user)).headers)
        token = {"X-CSRFToken": user["_csrf_token"]}
        added = fetch(endpoint, body=JSON_NOTE, headers=JSON | cookie_header(user) | token)
        assert added.status == 200, added.body
        assert "Note added." in added.body
        # The refused posts added nothing; the accepted one added its note.
        assert titles(server.url) == ["From the live server", *before]


def test_the_development_server_is_dash_in_debug_mode(project: Path) -> None:
    package = project / "shop_front"
    original = (package / "__init__.py").read_text()
    try:
        with serving(project, "dev", clean_environ()) as server:
            home = fetch(server.url + "/")
            config = dash_config(home)
            assert config["ui"] is True
            assert config["disable_version_check"] is True
            assert "hot_reload" in config
            assert "server" not in home.headers
            edited = original.replace("A web application.", "Edited while it runs.")
            assert edited != original
            time.sleep(1.5)  # a modification time the reloader can tell from the first one
            (package / "__init__.py").write_text(edited)
            wait_for_page(server, "Edited while it runs.")
    finally:
        (package / "__init__.py").write_text(original)


# Run with the project's Python, whose browser extra brings Selenium: open each path in headless
# Chromium, then print every host the pages asked for and every console error, as JSON.
BROWSE = """
import json, sys, time
from selenium import webdriver

options = webdriver.ChromeOptions()
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(options=options)
hosts, errors = set(), []
try:
    for path in sys.argv[2:]:
        driver.get(sys.argv[1] + path)
        time.sleep(3)
        errors += [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                hosts.add(message["params"]["request"]["url"].split("/")[2])
finally:
    driver.quit()
print(json.dumps({"hosts": sorted(hosts), "errors": errors}))
"""


def test_pages_in_debug_mode_ask_no_other_host(project: Path, tmp_path: Path) -> None:
    script = tmp_path / "browse.py"
    script.write_text(BROWSE)
    with serving(project, "dev", clean_environ()) as server:
        found = json.loads(
            run([".venv/bin/python", str(script), server.url, "/", "/notes", "/login"], project)
        )
    assert found["hosts"] == [f"127.0.0.1:{server.port}"]
    assert found["errors"] == []


def wait_for_page(server: Server, text: str, timeout: float = 60) -> None:
    """Wait until the home page's HTML holds `text`; fail with the server's log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if text in fetch(server.url + "/", timeout=2).body:
                return
        except OSError:
            pass  # the server is restarting
        time.sleep(0.5)
    pytest.fail(f"the home page never showed {text!r}:\n{server.output()}")
