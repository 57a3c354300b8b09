"""Generated projects install, pass their own tests, lint clean and serve, for real."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scaffold

from ..conftest import CATALOG, READY, Combination, as_params, clean_environ, typical_combinations
from .conftest import fetch, find_python, free_port, install, run, serving, uv_executable

pytestmark = pytest.mark.e2e

PROJECT_NAME = "Shop Front"


def generate(combination: Combination, output: Path, template: Path) -> Path:
    project = scaffold.create(
        "shop-front",
        framework=combination.framework,
        database=combination.database,
        features=combination.features,
        data=[f"project_name={PROJECT_NAME}"],
        output_dir=output,
        template=str(template),
    )
    return project.path


def database_environment(
    combination: Combination, request: pytest.FixtureRequest
) -> dict[str, str]:
    """For PostgreSQL projects, fresh databases for the tests and for the servers."""
    if combination.database != "postgresql":
        return {}
    postgres = request.getfixturevalue("postgres")
    name = re.sub(r"\W", "_", combination.id)
    return {
        "TEST_DATABASE_URL": postgres.create_database(f"test_{name}"),
        "DATABASE_URL": postgres.create_database(f"app_{name}"),
    }


def check_live(server_url: str, combination: Combination, production: bool) -> None:
    """What a browser would see: the home page, the health check, cookies and the API."""
    home = fetch(server_url + "/")
    assert home.status == 200
    assert html.escape(PROJECT_NAME) in home.body
    health = fetch(server_url + "/health")
    assert health.status == 200
    assert health.json() == {"status": "ok"}
    pages = CATALOG.framework(combination.framework).pages
    if "auth" in combination.features:
        login = fetch(server_url + pages["login"])
        assert login.status == 200
        cookies = [cookie.lower() for cookie in login.headers.get("set-cookie", [])]
        assert cookies, "the log-in page sets no cookie"
        for cookie in cookies:
            assert "httponly" in cookie and "samesite=lax" in cookie
            assert ("; secure" in cookie) == production
    if "api" in combination.features:
        listing = fetch(server_url + pages["api"])
        assert listing.status == 200
        assert listing.headers["content-type"][0].startswith("application/json")


@pytest.mark.parametrize("combination", as_params(typical_combinations()))
def test_project_installs_tests_lints_and_serves(
    combination: Combination,
    template_copy: Path,
    tmp_path: Path,
    isolated_home: Path,
    request: pytest.FixtureRequest,
) -> None:
    root = generate(combination, tmp_path, template_copy)
    install(root)
    env = clean_environ(**database_environment(combination, request))
    run(["make", "lint"], root, env)
    tests = run(["make", "test"], root, env)
    assert re.search(r"\d+ passed", tests), tests
    assert "skipped" not in tests, tests
    if (
        "migrate" in CATALOG.framework(combination.framework).make
        and combination.database != "none"
    ):
        run(["make", "migrate"], root, env)
    for target, production in (("serve", True), ("dev", False)):
        with serving(root, target, env) as server:
            check_live(server.url, combination, production)


@pytest.mark.parametrize("framework", [fw.name for fw in READY])
def test_the_newest_supported_python_runs_the_project(
    framework: str, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    newest = CATALOG.framework(framework).python[-1]
    python = find_python(newest)
    if python is None:
        pytest.skip(f"no Python {newest} interpreter on this machine (PATH or ~/.pyenv)")
    features = CATALOG.combinations(CATALOG.framework(framework))["sqlite"]
    combination = Combination(framework, "sqlite", features)
    root = generate(combination, tmp_path, template_copy)
    install(root, python=python)
    version = run(
        [".venv/bin/python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], root
    )
    assert version.strip() == newest
    run(["make", "test"], root)
    if "migrate" in CATALOG.framework(framework).make:
        run(["make", "migrate"], root)
    with serving(root, "serve", clean_environ()) as server:
        check_live(server.url, combination, production=True)


@pytest.mark.parametrize("framework", [fw.name for fw in READY])
def test_production_refuses_to_start_without_its_secret(
    framework: str, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    secret = CATALOG.framework(framework).secret
    root = generate(
        Combination(framework, CATALOG.framework(framework).default_database),
        tmp_path,
        template_copy,
    )
    install(root)
    (root / ".env").unlink()
    env = clean_environ()
    env.pop(secret, None)
    done = subprocess.run(
        ["make", "serve", f"PORT={free_port()}"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    assert done.returncode != 0
    assert secret in done.stdout + done.stderr


def test_new_with_install_uses_uv_and_prints_the_next_steps(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    uv = uv_executable()
    assert uv, "the test dependencies include uv"
    env = clean_environ(PATH=f"{Path(uv).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scaffold",
            "new",
            "myapp",
            "-y",
            "--install",
            "--template",
            str(template_copy),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "(uv)" in done.stdout
    assert ". .venv/bin/activate" in done.stdout
    run([".venv/bin/python", "-c", "import myapp, pytest, webtest"], tmp_path / "myapp")
    run(["make", "test"], tmp_path / "myapp")


def test_new_with_install_falls_back_to_pip(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    # A PATH holding this interpreter, git and make, but no uv.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "make", "sh"):
        (bin_dir / tool).symlink_to(subprocess.check_output(["which", tool], text=True).strip())
    env = clean_environ(PATH=str(bin_dir))
    done = subprocess.run(
        [sys.executable, "-m", "scaffold", "new", "myapp", "-y", "--install", "--feature", "auth",
         "--template", str(template_copy)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(pip)" in done.stdout, done.stdout
    run(["make", "test"], tmp_path / "myapp")
