"""What a CherryPy project promises beyond every framework's checks, on its live servers.

`make serve` runs CherryPy's production environment: error pages without tracebacks, JSON errors
under /api, and log-ins kept in the database across restarts. `make dev` shows tracebacks and
reloads changed code.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import Combination, clean_environ
from .conftest import cookie_header, cookies_of, fetch, module_project, run, serving
from .test_projects import PROJECT_NAME

# The tests share a module-scoped project: one worker runs them all.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("cherrypy-project")]

EMAIL = "grace@example.com"
PASSWORD = "a long enough password"
TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture(scope="module")
def project(template_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One installed CherryPy project with SQLite, accounts and the API, shared by these tests."""
    root = tmp_path_factory.mktemp("cherrypy")
    combination = Combination("cherrypy", "sqlite", ("auth", "api"))
    path = module_project(combination, root, template_copy)
    run(["make", "migrate"], path)
    yield path


def sign_up(url: str) -> dict[str, str]:
    """Sign up through the live server's form; the cookies of the logged-in client."""
    page = fetch(url + "/account/signup")
    cookies = cookies_of(page.headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.body)
    assert token, page.body
    form = {"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD, "confirm": PASSWORD}
    done = fetch(url + "/account/signup", form=form, headers=cookie_header(cookies))
    assert done.status == 303, done.body
    assert done.headers["location"][0].endswith("/account/")
    return cookies | cookies_of(done.headers)


def test_production_error_pages_carry_no_traceback(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        page = fetch(server.url + "/no-such-page")
        assert page.status == 404
        assert html.escape(PROJECT_NAME) in page.body
        assert TRACEBACK not in page.body
        missing = fetch(server.url + "/api/notes/999")
        assert missing.status == 404
        assert missing.body == '{"error": "there is no note 999"}'
        refused = fetch(server.url + "/api/notes", form={"title": "not JSON"})
        assert refused.status == 415
        assert TRACEBACK not in refused.body


def test_development_error_pages_show_the_traceback(project: Path) -> None:
    with serving(project, "dev", clean_environ()) as server:
        page = fetch(server.url + "/no-such-page")
        assert page.status == 404
        assert TRACEBACK in page.body


def test_a_post_without_the_csrf_token_is_refused(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        cookies = cookies_of(fetch(server.url + "/account/signup").headers)
        form = {"email": EMAIL, "password": PASSWORD, "confirm": PASSWORD}
        done = fetch(server.url + "/account/signup", form=form, headers=cookie_header(cookies))
        assert done.status == 403


def test_a_log_in_outlives_a_restart_of_the_production_server(project: Path) -> None:
    env = clean_environ()
    with serving(project, "serve", env) as server:
        cookies = sign_up(server.url)
        assert EMAIL in fetch(server.url + "/account/", headers=cookie_header(cookies)).body
    with serving(project, "serve", env) as server:
        account = fetch(server.url + "/account/", headers=cookie_header(cookies))
        assert account.status == 200
        assert EMAIL in account.body
        anonymous = fetch(server.url + "/account/")
        assert anonymous.status == 303


def test_the_development_server_reloads_changed_code(project: Path) -> None:
    with serving(project, "dev", clean_environ()) as server:
        time.sleep(1.5)  # the file's new modification time must differ from the one recorded
        (project / "shop_front" / "pages.py").touch()
        server.wait_for_output("Restarting because")
        server.wait_for_output("ENGINE Bus STARTED", times=2)
        server.wait_until_healthy()
        assert fetch(server.url + "/").status == 200
