"""Generated projects install, pass their own tests, lint clean and serve, for real."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import (
    CATALOG,
    READY,
    REPO,
    Combination,
    as_params,
    clean_environ,
    typical_combinations,
)
from .conftest import (
    PROJECT_NAME,
    Project,
    fetch,
    find_python,
    free_port,
    generate,
    install,
    run,
    serving,
    uv_executable,
)

pytestmark = pytest.mark.e2e


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
    combination: Combination, installed_project: Callable[[Combination], Project]
) -> None:
    project = installed_project(combination)
    run(["make", "lint"], project.root, project.env)
    tests = run(["make", "test"], project.root, project.env)
    assert re.search(r"\d+ passed", tests), tests
    assert "skipped" not in tests, tests
    for target, production in (("serve", True), ("dev", False)):
        with serving(project.root, target, project.env) as server:
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
    root = tmp_path / "myapp"
    run([".venv/bin/python", "-c", "import myapp, pytest, webtest"], root)
    # The lock was made before the first commit, which holds it, and the install followed it.
    assert "uv.lock pins every dependency's version: the first commit holds it." in done.stdout
    assert "uv.lock" in run(["git", "ls-files"], root).split()
    assert len(run(["git", "log", "--oneline"], root).splitlines()) == 1
    run([uv, "lock", "--check"], root, env)
    assert run(["git", "status", "--porcelain"], root) == ""
    run(["make", "test"], root)


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


def scaffold_on_python(version: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `scaffold` command of this checkout, installed for Python `version` (X.Y)."""
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter on this machine (PATH or ~/.pyenv)")
    uv = uv_executable()
    assert uv, "the test dependencies include uv"
    venv = tmp_path_factory.mktemp(f"scaffold-{version}") / "venv"
    run([uv, "venv", "--quiet", "--python", python, str(venv)], venv.parent)
    run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(REPO)],
        venv.parent)  # fmt: skip
    return venv / "bin" / "scaffold"


@pytest.fixture(scope="module")
def scaffold_on_python_310(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scaffold installed for Python 3.10, which it supports and the default Bottle project does
    not (Bottle projects start at 3.11)."""
    return scaffold_on_python("3.10", tmp_path_factory)


def tools_dir(tmp_path: Path, *, uv: bool, python311: bool) -> Path:
    """A PATH directory with git, make and sh; with uv and python3.11 when asked."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "make", "sh"):
        (bin_dir / tool).symlink_to(subprocess.check_output(["which", tool], text=True).strip())
    if uv:
        (bin_dir / "uv").symlink_to(uv_executable())
    if python311:
        found = find_python("3.11")
        if found is None:
            pytest.skip("no Python 3.11 interpreter on this machine (PATH or ~/.pyenv)")
        (bin_dir / "python3.11").symlink_to(found)
    return bin_dir


def new_bottle_with_install(
    scaffold_command: Path, template: Path, cwd: Path, bin_dir: Path
) -> subprocess.CompletedProcess[str]:
    """`scaffold new myapp -f bottle --install` with only `bin_dir` on PATH."""
    return subprocess.run(
        [str(scaffold_command), "new", "myapp", "-y", "-f", "bottle", "--install",
         "--template", str(template)],
        cwd=cwd, env=clean_environ(PATH=str(bin_dir)), capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip


@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_install_finds_a_python_in_the_project_range_for_a_scaffold_outside_it(
    scaffold_on_python_310: Path,
    template_copy: Path,
    tmp_path: Path,
    isolated_home: Path,
    tool: str,
) -> None:
    bin_dir = tools_dir(tmp_path, uv=tool == "uv", python311=True)
    done = new_bottle_with_install(scaffold_on_python_310, template_copy, tmp_path, bin_dir)
    assert done.returncode == 0, done.stderr
    assert f"({tool})" in done.stdout
    assert "Warning" not in done.stderr
    root = tmp_path / "myapp"
    version = run(
        [".venv/bin/python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], root
    )
    assert version.strip() in CATALOG.framework("bottle").python
    run([".venv/bin/python", "-c", "import myapp, pytest, webtest"], root)


def test_install_without_a_python_in_range_or_uv_writes_nothing(
    scaffold_on_python_310: Path, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    bin_dir = tools_dir(tmp_path, uv=False, python311=False)
    work = tmp_path / "work"
    work.mkdir()
    done = new_bottle_with_install(scaffold_on_python_310, template_copy, work, bin_dir)
    assert done.returncode == 1
    assert done.stderr == (
        "Error: --install needs Python 3.11 to 3.13 (the project's range; this one is 3.10) or "
        "uv, and neither was found: install uv or python3.13, or leave out --install\n"
    )
    assert list(work.iterdir()) == []
