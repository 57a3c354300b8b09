"""Emmett projects, beyond what every framework's projects are checked for.

Emmett writes migrations by comparing the models with the migrations folder, `emmett develop`
runs a tree of processes, and Emmett's migration commands print the database URI: each of these
gets a check here.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path

import pytest

from ..conftest import CATALOG, Combination, clean_environ
from .conftest import PostgreSQL, Server, fetch, find_python, install, run, serving
from .test_projects import check_live, generate

pytestmark = pytest.mark.e2e

EMMETT = CATALOG.framework("emmett")
ALL_FEATURES = CATALOG.combinations(EMMETT)["sqlite"]


def group_members(pgid: int) -> list[int]:
    """The processes of the process group `pgid` (read from /proc)."""
    members = []
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pgid:
                members.append(pid)
    return members


def group_alive(pgid: int) -> bool:
    """Whether any process of the process group `pgid` is still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_new_migration_finds_nothing_to_change(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(Combination("emmett", "sqlite", ALL_FEATURES), tmp_path, template_copy)
    install(root)
    run(["make", "migrate"], root)
    migrations = root / "shop_front" / "migrations"
    shipped = set(migrations.glob("*.py"))
    assert len(shipped) == 2, "the notes migration, and the accounts one with auth"
    emmett = str(root / ".venv" / "bin" / "emmett")
    output = run([emmett, "-a", "shop_front", "migrations", "generate", "-m", "Nothing"], root)
    assert re.search(r"Generated migration for revision \w+", output), output
    (new,) = set(migrations.glob("*.py")) - shipped
    body = new.read_text()
    up = body[body.index("def up(self):") : body.index("def down(self):")]
    assert up.split() == ["def", "up(self):", "pass"], body


def test_migrate_keeps_the_database_password_out_of_its_output(
    template_copy: Path, tmp_path: Path, isolated_home: Path, postgres: PostgreSQL
) -> None:
    root = generate(Combination("emmett", "postgresql", ALL_FEATURES), tmp_path, template_copy)
    install(root)
    password = "not-for-your-terminal"
    # The throwaway cluster trusts every local connection, so any password gets in.
    url = postgres.create_database("emmett_password").replace("postgres@", f"postgres:{password}@")
    env = clean_environ(DATABASE_URL=url, TEST_DATABASE_URL=url)
    output = run(["make", "migrate"], root, env)
    assert "Succesfully upgraded" in output, output
    assert password not in output
    with serving(root, "serve", env) as server:
        check_live(server.url, Combination("emmett", "postgresql", ALL_FEATURES), production=True)
        assert password not in server.output()


def test_the_dev_server_stops_with_its_process_group(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(Combination("emmett", "sqlite"), tmp_path, template_copy)
    install(root)
    run(["make", "migrate"], root)
    server = Server(root, "dev", clean_environ())
    try:
        server.wait_until_healthy()
        style = fetch(server.url + "/static/style.css")
        assert style.status == 200
        assert style.headers["content-type"][0].startswith("text/css")
        pgid = server.process.pid
        assert len(group_members(pgid)) > 2, "make, emmett's reloader and the server it runs"
        os.killpg(pgid, signal.SIGTERM)
        server.process.wait(timeout=20)  # make, the group's leader, once its children are gone
        deadline = time.monotonic() + 20
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(pgid), server.output()
    finally:
        server.stop()


def test_python_3_12_runs_the_project(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    python = find_python("3.12")
    if python is None:
        pytest.skip("no Python 3.12 interpreter on this machine (PATH or ~/.pyenv)")
    combination = Combination("emmett", "sqlite", ALL_FEATURES)
    root = generate(combination, tmp_path, template_copy)
    install(root, python=python)
    version = run([".venv/bin/python", "-c", "import sys; print(sys.version_info[:2])"], root)
    assert version.strip() == "(3, 12)"
    tests = run(["make", "test"], root)
    assert re.search(r"\d+ passed", tests) and "skipped" not in tests, tests
    run(["make", "migrate"], root)
    with serving(root, "serve", clean_environ()) as server:
        check_live(server.url, combination, production=True)
