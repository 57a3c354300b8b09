"""Reproducible installs, for real: uv.lock and the ways into a project's .venv.

The first `make install` with uv writes uv.lock; later installs, in a fresh .venv, get exactly
the versions it pins, even where newer ones exist; `make upgrade` moves them within the ranges.
CI's install step follows the lock and fails, saying so, on a lock that no longer matches
pyproject.toml. A feature that adds dependencies re-locks a locked project without conflict
markers. Without uv, `make install` still installs with pip and the project passes its tests.

Each test builds its own PATH: git, make, sh, a Python of the project's range as `python3`, and
uv only where the test says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scaffold import api

from ..conftest import CATALOG, READY, Combination, clean_environ
from ..versions import CONFLICT_START, commit_all, git
from .conftest import (
    find_python,
    generate,
    locked_versions,
    normalized,
    not_locked,
    run,
    uv_executable,
)

pytestmark = pytest.mark.e2e

# A dev tool every project locks, and an old release of it within every project's range
# (pyproject.toml asks for pre-commit>=4): a lock pinned to it proves installs follow the lock.
OLD_PRE_COMMIT = "4.0.0"


def tools_env(tmp_path: Path, python_version: str, *, uv: bool) -> dict[str, str]:
    """An environment whose PATH holds only git, make, sh, Python `python_version` and maybe uv."""
    found = find_python(python_version)
    if found is None:
        pytest.skip(f"no Python {python_version} interpreter on this machine (PATH or ~/.pyenv)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "make", "sh"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    # The interpreter itself, not a virtual environment's link to it.
    for name in ("python3", f"python{python_version}"):
        (bin_dir / name).symlink_to(os.path.realpath(found))
    if uv:
        uv_path = uv_executable()
        assert uv_path, "the test dependencies include uv"
        (bin_dir / "uv").symlink_to(uv_path)
    return clean_environ(PATH=str(bin_dir))


def every_feature(framework: str) -> Combination:
    """The framework's default database with every feature it allows there."""
    fw = CATALOG.framework(framework)
    return Combination(
        framework, fw.default_database, CATALOG.combinations(fw)[fw.default_database]
    )


def freeze(root: Path, env: dict[str, str]) -> dict[str, str]:
    """What the project's .venv holds: {name: version}, and the project's editable install."""
    listed = run(["uv", "pip", "freeze", "--python", ".venv/bin/python"], root, env)
    found = {}
    for line in listed.splitlines():
        name, pinned, version = line.partition("==")
        found[normalized(name) if pinned else line] = version
    return found


def reinstall(root: Path, env: dict[str, str]) -> dict[str, str]:
    """`make install` into a fresh .venv; what it then holds."""
    shutil.rmtree(root / ".venv")
    run(["make", "install"], root, env)
    return freeze(root, env)


@pytest.mark.parametrize("framework", [fw.name for fw in READY])
def test_make_install_locks_then_installs_exactly_the_lock_and_make_upgrade_moves_it(
    framework: str, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(every_feature(framework), tmp_path, template_copy)
    env = tools_env(tmp_path, CATALOG.framework(framework).python[0], uv=True)

    run(["make", "install"], root, env)
    assert (root / "uv.lock").is_file()
    run(["uv", "lock", "--check"], root, env)
    git(root, "add", "uv.lock")
    git(root, "commit", "-q", "-m", "Lock the dependencies")
    first = freeze(root, env)
    assert first, "the first install installed nothing"
    assert not_locked(first, root) == {}, "installed versions that uv.lock does not pin"

    # A fresh .venv gets the very same versions, and the lock stays as committed.
    assert reinstall(root, env) == first
    assert git(root, "status", "--porcelain") == ""

    # Pinned to an older release than the newest in range, the next install follows the lock.
    assert first["pre-commit"] != OLD_PRE_COMMIT, "pre-commit's newest is the old one: pick another"
    run(["uv", "lock", "--quiet", "--upgrade-package", f"pre-commit=={OLD_PRE_COMMIT}"], root, env)
    assert reinstall(root, env)["pre-commit"] == OLD_PRE_COMMIT

    # make upgrade brings the newest versions within the ranges back, into the lock and .venv.
    run(["make", "upgrade"], root, env)
    run(["uv", "lock", "--check"], root, env)
    assert locked_versions(root)["pre-commit"] == {first["pre-commit"]}
    assert freeze(root, env)["pre-commit"] == first["pre-commit"]
    tests = run(["make", "test"], root, env)
    assert re.search(r"\d+ passed", tests), tests


@pytest.mark.parametrize("framework", [fw.name for fw in READY])
def test_without_uv_make_install_uses_pip_and_the_project_passes_its_tests(
    framework: str, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(every_feature(framework), tmp_path, template_copy)
    env = tools_env(tmp_path, CATALOG.framework(framework).python[0], uv=False)
    run(["make", "install"], root, env)
    assert not (root / "uv.lock").exists()
    assert (root / ".venv" / "bin" / "pip").exists(), "not a pip-made .venv"
    tests = run(["make", "test"], root, env)
    assert re.search(r"\d+ passed", tests), tests


def ci_install_script(root: Path) -> str:
    """The shell script of the test job's install step in the project's workflow."""
    workflow = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text())
    [step] = [
        step
        for step in workflow["jobs"]["test"]["steps"]
        if step.get("name", "").startswith("Install")
    ]
    return step["run"]


def test_the_ci_install_step_follows_the_lock_and_fails_on_a_stale_one(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(Combination("bottle", "sqlite", ("ci",)), tmp_path, template_copy)
    version = CATALOG.framework("bottle").python[-1]
    env = tools_env(tmp_path, version, uv=True)
    # What setup-uv sets up: uv, the matrix's Python as UV_PYTHON, and a GITHUB_PATH file.
    github_path = tmp_path / "github-path"
    env.update(UV_PYTHON=version, GITHUB_PATH=str(github_path))
    script = ci_install_script(root)

    def step() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            # GitHub runs a step's script with bash -e.
            [shutil.which("bash"), "-e", "-c", script], cwd=root, env=env, capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip

    # No lock yet: the newest versions within the ranges, and a warning that says so.
    unlocked = step()
    assert unlocked.returncode == 0, unlocked.stderr
    assert "::warning::No uv.lock" in unlocked.stdout
    assert github_path.read_text() == f"{root}/.venv/bin\n"
    run([".venv/bin/python", "-c", "import pytest, webtest"], root)

    # A lock in step: installed as pinned, without a word.
    locked = step()
    assert locked.returncode == 0, locked.stderr
    assert "::" not in locked.stdout

    # pyproject.toml changed without re-locking: the job fails, saying what to do.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"gunicorn>=23",', '"gunicorn>=23.0.1",'))
    stale = step()
    assert stale.returncode == 1
    assert (
        "::error file=uv.lock::uv.lock does not match pyproject.toml: run make install (or uv "
        "lock) and commit uv.lock"
    ) in stale.stdout


def test_a_feature_that_adds_dependencies_relocks_without_conflict_markers(
    template_copy: Path, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Updates need the template's versions: the template in a git repository, tagged.
    template = shutil.copytree(template_copy, tmp_path / "template")
    git(template, "init", "-q")
    commit_all(template, "Template 1.0.0")
    git(template, "tag", "v1.0.0")
    root = generate(Combination("django", "sqlite", ("auth",)), tmp_path, template)
    env = tools_env(tmp_path, CATALOG.framework("django").python[0], uv=True)
    run(["make", "install"], root, env)
    commit_all(root, "Lock the dependencies")
    before = locked_versions(root)
    assert "djangorestframework" not in before

    monkeypatch.setenv("PATH", env["PATH"])
    done = api.add("api", root)
    assert "uv.lock" in done.plan.changed
    assert done.notes and "uv.lock was brought in step with it" in done.notes[0]
    text = (root / "uv.lock").read_text()
    assert CONFLICT_START not in text and ">>>>>>>" not in text
    run(["uv", "lock", "--check"], root, env)
    after = locked_versions(root)
    assert "djangorestframework" in after
    # Re-locking kept every version the lock already pinned.
    assert {name: after.get(name) for name in before} == before
    commit_all(root, "Add the API")
    run(["make", "install"], root, env)
    assert git(root, "status", "--porcelain") == ""
    tests = run(["make", "test"], root, env)
    assert re.search(r"\d+ passed", tests), tests
