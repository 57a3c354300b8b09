"""What a web2py project promises beyond every framework's checks, on its live servers.

web2py shows error tickets, serves generic views and migrates tables by default: production
must show visitors no ticket, generic views must stay local, and only `make migrate` may touch
the tables, whose table files must outlive a new database password. Forms rely on web2py's form
keys, log-ins on Auth, and `make dev` on web2py reading code anew or on run.py restarting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CATALOG, Combination, clean_environ
from .conftest import (
    PostgreSQL,
    Server,
    fetch,
    find_python,
    install,
    module_project,
    run,
    serving,
    uv_executable,
)
from .test_projects import check_live, generate, scaffold_on_python, tools_dir

# The tests share a module-scoped project: one worker runs them all.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("web2py-project")]

WEB2PY = CATALOG.framework("web2py")
ALL_FEATURES = CATALOG.combinations(WEB2PY)["sqlite"]
EMAIL = "grace@example.com"
PASSWORD = "a long enough password"
TRACEBACK = "Traceback (most recent call last)"
FAILING_CONTROLLER = (
    'def index():\n    """Fails, for the error page\'s sake."""\n    raise RuntimeError("boom")\n'
)


@pytest.fixture(scope="module")
def project(template_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One installed, migrated web2py project with SQLite and every feature, for these tests."""
    root = tmp_path_factory.mktemp("web2py")
    path = module_project(Combination("web2py", "sqlite", ALL_FEATURES), root, template_copy)
    run(["make", "migrate"], path)
    # A controller that fails, to see what visitors and operators get from an error.
    (path / "applications" / "shop_front" / "controllers" / "failing.py").write_text(
        FAILING_CONTROLLER
    )
    yield path


class Browser:
    """A visitor of the live server who keeps the cookies it is given."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}

    def request(self, path: str, form: dict[str, str] | None = None, **headers: str):
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        answer = fetch(self.url + path, form=form, headers={**headers, "Cookie": cookie})
        for header in answer.headers.get("set-cookie", []):
            name, _, rest = header.strip().partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return answer

    def form(self, path: str, **fields: str):
        """Open the page at `path` and submit its form (with its form key) with `fields`."""
        page = self.request(path)
        hidden = dict(re.findall(r'<input name="(_\w+)" type="hidden" value="([^"]*)"', page.body))
        assert "_formkey" in hidden, page.body
        return self.request(path, form={**hidden, **fields})


def sign_up(browser: Browser, email: str = EMAIL) -> None:
    done = browser.form(
        "/user/register",
        first_name="Grace",
        last_name="Hopper",
        email=email,
        password=PASSWORD,
        password_two=PASSWORD,
    )
    assert done.status == 303, done.body
    assert browser.request("/user/profile").status == 200


def test_production_shows_no_traceback_or_ticket_and_logs_the_error(project: Path) -> None:
    errors = project / "applications" / "shop_front" / "errors"
    before = set(errors.iterdir()) if errors.exists() else set()
    with serving(project, "serve", clean_environ()) as server:
        page = fetch(server.url + "/failing")
        assert page.status == 500
        assert "Something went wrong" in page.body
        for leak in (TRACEBACK, "boom", "icket", "shop_front/"):
            assert leak not in page.body
        assert not any("web2py" in name for name in page.headers)
        time.sleep(0.5)
        assert TRACEBACK in server.output() and "RuntimeError: boom" in server.output()
    assert len(set(errors.iterdir()) - before) == 1, "web2py keeps a ticket of it"
    with serving(project, "dev", clean_environ()) as server:
        assert "Ticket shop_front/" in fetch(server.url + "/failing").body


def test_a_post_without_a_valid_form_key_changes_nothing(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        browser = Browser(server.url)
        sign_up(browser, "forms@example.com")
        browser.request("/notes")
        for key in ({}, {"_formkey": "forged"}):
            browser.request("/notes", form={"title": "Forged", "_formname": "note/create", **key})
        assert "Forged" not in browser.request("/notes").body
        done = browser.form("/notes", title="Genuine")
        assert done.status == 303
        assert "Genuine" in browser.request("/notes").body


def test_a_wrong_password_and_an_unknown_email_take_about_as_long(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        sign_up(Browser(server.url), "timing@example.com")

        def log_in(email: str) -> float:
            browser = Browser(server.url)
            page = browser.request("/user/login")
            hidden = re.findall(r'<input name="(_\w+)" type="hidden" value="([^"]*)"', page.body)
            form = {**dict(hidden), "email": email, "password": "not the password"}
            start = time.perf_counter()
            answer = browser.request("/user/login", form=form)
            elapsed = time.perf_counter() - start
            assert answer.status == 303
            assert "Wrong email or password." in browser.request("/user/login").body
            return elapsed

        # Alternate the two, so that a busy machine slows both alike; compare the medians.
        times: dict[str, list[float]] = {"timing@example.com": [], "nobody@example.com": []}
        for _ in range(7):
            for email, taken in times.items():
                taken.append(log_in(email))
    known, unknown = (statistics.median(taken) for taken in times.values())
    assert 0.5 < unknown / known < 2, f"wrong password {known:.3f}s, unknown email {unknown:.3f}s"


def test_generic_views_answer_local_development_requests_only(project: Path) -> None:
    with serving(project, "dev", clean_environ()) as server:
        local = fetch(server.url + "/index.json")
        assert local.status == 200
        assert "cards" in local.json()
        forwarded = fetch(server.url + "/index.json", headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status == 404
    with serving(project, "serve", clean_environ()) as server:
        assert fetch(server.url + "/index.json").status == 404


def test_https_through_a_trusted_proxy_only(project: Path) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with serving(project, "serve", clean_environ()) as server:
        answer = fetch(server.url + "/", headers=https)
        assert answer.headers["strict-transport-security"][0].startswith("max-age=")
        assert "strict-transport-security" not in fetch(server.url + "/").headers
    untrusted = clean_environ(FORWARDED_ALLOW_IPS="192.0.2.1")
    with serving(project, "serve", untrusted) as server:
        assert "strict-transport-security" not in fetch(server.url + "/", headers=https).headers
    with serving(project, "dev", clean_environ()) as server:
        cookies = fetch(server.url + "/user/login", headers=https).headers["set-cookie"]
        assert all("; secure" in cookie.lower() for cookie in cookies)
        plain = fetch(server.url + "/user/login").headers["set-cookie"]
        assert not any("secure" in cookie.lower() for cookie in plain)


def test_the_live_api_answers_every_case_with_json(project: Path) -> None:
    with serving(project, "serve", clean_environ()) as server:
        browser = Browser(server.url)
        listing = fetch(server.url + "/api/notes").json()
        assert (listing["limit"], listing["offset"]) == (50, 0)
        assert isinstance(listing["items"], list)
        assert fetch(server.url + "/api/notes?limit=500").json()["limit"] == 100
        json_type = {"Content-Type": "application/json"}
        anonymous = fetch_json(server.url, "POST", b'{"title": "x"}', json_type)
        assert anonymous[0] == 401
        sign_up(browser, "api@example.com")
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
        cases = [
            (b'{"title": "Hello"}', json_type, 201),
            (b"{not json", json_type, 400),
            (b"title=form", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
            (b'["a list"]', json_type, 422),
            (b'{"title": 42}', json_type, 422),
            (b'{"title": ""}', json_type, 422),
        ]
        for body, headers, status in cases:
            got, answer = fetch_json(server.url, "POST", body, {**headers, **cookie})
            assert got == status, (body, answer)
            assert isinstance(answer, dict)
        assert fetch_json(server.url, "DELETE", None, cookie)[0] == 405
        assert fetch(server.url + "/api/notes/999").status == 404
        assert fetch(server.url + "/api/notes/999").json() == {"error": "not found"}


def fetch_json(url: str, method: str, body: bytes | None, headers: dict[str, str]):
    """Send `body` to /api/notes with `method`; the status and the JSON answer."""
    request = urllib.request.Request(url + "/api/notes", data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_development_server_shows_edits_and_restarts_for_modules(project: Path) -> None:
    controller = project / "applications" / "shop_front" / "controllers" / "default.py"
    original = controller.read_text()
    try:
        with serving(project, "dev", clean_environ()) as server:
            controller.write_text(original.replace('{"status": "ok"}', '{"status": "ok", "x": 1}'))
            assert fetch(server.url + "/health").json() == {"status": "ok", "x": 1}
            time.sleep(1.1)  # a modification time the watcher has not seen
            (project / "applications" / "shop_front" / "modules" / "security.py").touch()
            server.wait_for_output("restarting the development server")
            server.wait_for_output("Development server on", times=2)
            server.wait_until_healthy()
    finally:
        controller.write_text(original)


def test_an_unmigrated_database_answers_503_and_says_so_once(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(Combination("web2py", "sqlite"), tmp_path, template_copy)
    install(root)
    server = Server(root, "serve", clean_environ())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = fetch(server.url + "/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        assert health.status == 503
        assert health.json() == {"status": "unavailable"}
        for _ in range(5):
            assert fetch(server.url + "/notes").status == 503
        log = server.output()
        assert TRACEBACK not in log
        assert 1 <= log.count("run `make migrate`") <= int(os.cpu_count() or 1) * 2
    finally:
        server.stop()
    run(["make", "migrate"], root)
    with serving(root, "serve", clean_environ()) as server:
        assert fetch(server.url + "/notes").status == 200


def test_table_files_survive_a_changed_password(
    template_copy: Path, tmp_path: Path, isolated_home: Path, postgres: PostgreSQL
) -> None:
    combination = Combination("web2py", "postgresql", ALL_FEATURES)
    root = generate(combination, tmp_path, template_copy)
    install(root)
    # The throwaway cluster trusts local connections, so any password gets in.
    url = postgres.create_database("web2py_password")
    first = url.replace("postgres@", "postgres:first-password@")
    second = url.replace("postgres@", "postgres:second-password@")
    output = run(["make", "migrate"], root, clean_environ(DATABASE_URL=first))
    assert "first-password" not in output
    tables = sorted(
        path.name for path in (root / "applications" / "shop_front" / "databases").glob("*.table")
    )
    assert len(tables) == 7, tables
    env = clean_environ(DATABASE_URL=second)
    run(["make", "migrate"], root, env)
    after = sorted(
        path.name for path in (root / "applications" / "shop_front" / "databases").glob("*.table")
    )
    assert after == tables
    with serving(root, "serve", env) as server:
        check_live(server.url, combination, production=True)
        assert fetch(server.url + "/notes").status == 200


def test_a_new_container_migrates_the_database_it_is_given(
    template_copy: Path, tmp_path: Path, isolated_home: Path, postgres: PostgreSQL
) -> None:
    """A container starts without the table files of the tables its database already has (unless
    a volume keeps them): migrate.py records those tables from the database, then migrates what
    the models gained meanwhile."""
    combination = Combination("web2py", "postgresql", ALL_FEATURES)
    root = generate(combination, tmp_path, template_copy)
    install(root)
    url = postgres.create_database("web2py_new_container")
    env = clean_environ(DATABASE_URL=url)
    application = root / "applications" / "shop_front"
    query = (
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'note' "
        "ORDER BY ordinal_position"
    )

    def columns() -> list[str]:
        return run([str(postgres.bin / "psql"), url, "-At", "-c", query], root).split()

    def add_to_the_note_model(name: str) -> None:
        model = application / "models" / "db.py"
        body = '    Field("body", "text"'
        assert body in model.read_text()
        model.write_text(model.read_text().replace(body, f'    Field("{name}"),\n{body}'))

    def lose_the_table_files() -> None:
        files = list((application / "databases").glob("*.table"))
        assert len(files) == 7, files
        for path in files:
            path.unlink()

    run(["make", "migrate"], root, env)
    before = columns()
    assert before == ["id", "title", "body", "created_on"]
    lose_the_table_files()
    output = run(["make", "migrate"], root, env)
    assert "Recorded from the database the tables without a table file: note, auth_user" in output
    assert columns() == before
    assert len(list((application / "databases").glob("*.table"))) == 7

    # A model changes, and the table files are there: an ordinary migration.
    add_to_the_note_model("tag")
    output = run(["make", "migrate"], root, env)
    assert "Recorded" not in output
    assert columns() == [*before, "tag"]

    # A model changes, and a new container of the new release has no table files.
    add_to_the_note_model("colour")
    lose_the_table_files()
    output = run(["make", "migrate"], root, env)
    assert "Recorded from the database" in output
    assert columns() == [*before, "tag", "colour"]
    assert "Recorded" not in run(["make", "migrate"], root, env)
    with serving(root, "serve", env) as server:
        check_live(server.url, combination, production=True)
        assert fetch(server.url + "/notes").status == 200


def test_make_install_finds_python_3_11_when_python3_is_newer(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    newer = find_python("3.13")
    older = find_python("3.11")
    if newer is None or older is None:
        pytest.skip("needs Python 3.13 and 3.11 interpreters (PATH or ~/.pyenv)")
    # The interpreters themselves, not a virtual environment's links to them.
    newer, older = os.path.realpath(newer), os.path.realpath(older)
    root = generate(Combination("web2py", "none"), tmp_path, template_copy)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "sh", "git"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (bin_dir / "python3").symlink_to(newer)
    version = "import sys; print('%d.%d' % sys.version_info[:2])"

    # Without uv: python3 is 3.13, so make finds python3.11 on PATH.
    (bin_dir / "python3.11").symlink_to(older)
    run(["make", "install"], root, clean_environ(PATH=str(bin_dir)))
    assert run([".venv/bin/python", "-c", version], root).strip() == "3.11"

    # With uv: uv finds a Python in the project's range itself.
    shutil.rmtree(root / ".venv")
    (bin_dir / "python3.11").unlink()
    uv = uv_executable()
    assert uv, "the test dependencies include uv"
    (bin_dir / "uv").symlink_to(uv)
    with_uv = clean_environ(PATH=f"{bin_dir}{os.pathsep}{Path(older).parent}")
    run(["make", "install"], root, with_uv)
    assert run([".venv/bin/python", "-c", version], root).strip() == "3.11"

    # Neither: one line naming what to install, and nothing done.
    shutil.rmtree(root / ".venv")
    (bin_dir / "uv").unlink()
    done = subprocess.run(
        ["make", "install"], cwd=root, env=clean_environ(PATH=str(bin_dir)),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "needs Python >=3.11,<3.12" in done.stderr and "install uv" in done.stderr
    assert not (root / ".venv").exists()


@pytest.fixture(scope="module")
def scaffold_on_python_313(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scaffold installed for Python 3.13, on which web2py projects cannot run."""
    return scaffold_on_python("3.13", tmp_path_factory)


@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_new_with_install_finds_python_3_11_when_python3_is_3_13(
    tool: str,
    scaffold_on_python_313: Path,
    template_copy: Path,
    tmp_path: Path,
    isolated_home: Path,
) -> None:
    # scaffold runs on Python 3.13, python3 is 3.13, and a python3.11 is on PATH too.
    bin_dir = tools_dir(tmp_path, uv=tool == "uv", python311=True)
    (bin_dir / "python3").symlink_to(os.path.realpath(find_python("3.13")))
    done = subprocess.run(
        [str(scaffold_on_python_313), "new", "myapp", "-y", "-f", "web2py", "--install",
         "--feature", "auth", "--template", str(template_copy)],
        cwd=tmp_path, env=clean_environ(PATH=str(bin_dir)), capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # With uv, the lock comes first and the install follows it.
    pinned = ", as uv.lock pins" if tool == "uv" else ""
    assert (
        f"Creating .venv with Python 3.11 and installing myapp with its dev extra{pinned} ({tool})"
        in done.stdout
    )
    root = tmp_path / "myapp"
    version = "import sys; print('%d.%d' % sys.version_info[:2])"
    assert run([".venv/bin/python", "-c", version], root).strip() == "3.11"
    run(["make", "test"], root)
