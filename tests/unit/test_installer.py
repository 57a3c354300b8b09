"""Finding a Python for a project, and installing into .venv, with stand-in interpreters and uv."""

import os
import sys
from pathlib import Path

import pytest

from scaffold import installer
from scaffold.errors import InstallError

from ..conftest import CATALOG

BOTTLE = CATALOG.framework("bottle")
WEB2PY = CATALOG.framework("web2py")


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty PATH, and a function that puts a stand-in program on it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))

    def put(name: str, script: str) -> Path:
        program = bin_dir / name
        program.write_text(f"#!/bin/sh\n{script}\n")
        program.chmod(0o755)
        return program

    return put


def fake_python(version: str, venv: bool = True) -> str:
    """A shell script that answers installer.PROBE as a Python `version` would."""
    return f'echo "{version} {venv}"'


def test_the_range_runs_from_the_project_minimum_to_the_newest_tested() -> None:
    assert installer.supported_versions({"python_version": "3.12"}, BOTTLE) == ["3.12", "3.13"]
    assert installer.supported_versions({"python_version": "3.11"}, BOTTLE) == list(BOTTLE.python)
    assert installer.supported_versions({"python_version": "3.9"}, WEB2PY) == list(WEB2PY.python)
    assert installer.describe(["3.11", "3.12", "3.13"]) == "3.11 to 3.13"
    assert installer.describe(["3.11"]) == "3.11"


def test_the_running_python_installs_when_it_is_in_range(
    path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installer, "running_version", lambda: "3.12")
    plan = installer.plan({"python_version": "3.11"}, BOTTLE)
    assert (plan.python, plan.version, plan.tool) == (sys.executable, "3.12", "pip")
    uv = path("uv", "exit 1")
    assert installer.plan({"python_version": "3.11"}, BOTTLE).uv == str(uv)
    assert installer.warning({"python_version": "3.11"}, BOTTLE) is None


def test_out_of_range_a_python_on_path_is_found(path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(installer, "running_version", lambda: "3.10")
    path("python3.12", fake_python("3.12"))
    # A pyenv shim for a version that is not selected: on PATH, but it does not run.
    path("python3.11", 'echo "pyenv: python3.11: command not found" >&2; exit 127')
    assert installer.warning({"python_version": "3.11"}, BOTTLE) is None
    plan = installer.plan({"python_version": "3.11"}, BOTTLE)
    assert (Path(plan.python).name, plan.version, plan.tool) == ("python3.12", "3.12", "pip")


def test_without_uv_a_python_that_cannot_make_a_venv_does_not_count(
    path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installer, "running_version", lambda: "3.13")
    path("python3.11", fake_python("3.11", venv=False))
    with pytest.raises(InstallError):
        installer.plan({"python_version": "3.11"}, WEB2PY)


def test_with_nothing_in_range_install_is_refused_and_make_install_warned_about(
    path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installer, "running_version", lambda: "3.13")
    path("python3.13", fake_python("3.13"))
    with pytest.raises(InstallError) as caught:
        installer.plan({"python_version": "3.11"}, WEB2PY)
    assert str(caught.value) == (
        "--install needs Python 3.11 (the project's range; this one is 3.13) or "
        "uv, and neither was found: install uv or python3.11, or leave out --install"
    )
    assert installer.warning({"python_version": "3.11"}, WEB2PY) == (
        "the project needs Python 3.11, and this is 3.13 with neither uv nor python3.11 "
        "on PATH: install one of them before `make install`"
    )


def test_uv_finds_an_interpreter_in_range(
    path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installer, "running_version", lambda: "3.13")
    found = tmp_path / "managed" / "python3.11"
    found.parent.mkdir()
    found.write_text(f"#!/bin/sh\n{fake_python('3.11')}\n")
    found.chmod(0o755)
    log = tmp_path / "uv.log"
    path("uv", f'echo "$@" >> {log}\n[ "$1 $2" = "python find" ] && echo {found}')
    plan = installer.plan({"python_version": "3.11"}, WEB2PY)
    assert (plan.python, plan.version, plan.tool) == (str(found), "3.11", "uv")
    assert log.read_text() == "python find --no-project >=3.11,<3.12\n"


def test_uv_fetches_the_newest_python_in_range_when_none_is_found(
    path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installer, "running_version", lambda: "3.13")
    log = tmp_path / "uv.log"
    path("uv", f'echo "$@" >> {log}; echo "error: no network here" >&2; exit 2')
    with pytest.raises(InstallError) as caught:
        installer.plan({"python_version": "3.10"}, WEB2PY)
    assert "uv could not fetch Python 3.11 (no network here)" in str(caught.value)
    assert "python install 3.11" in log.read_text()
    # Without fetching (--pretend), uv's promise to fetch one is enough.
    log.unlink()
    plan = installer.plan({"python_version": "3.10"}, WEB2PY, fetch=False)
    assert (plan.version, plan.tool) == ("3.11", "uv")
    assert "install" not in log.read_text()


def test_a_failed_install_removes_the_venv_it_was_making(path, tmp_path: Path) -> None:
    project = tmp_path / "myapp"
    project.mkdir()
    uv = path(
        "uv",
        'if [ "$1" = sync ]; then mkdir -p .venv/bin && touch .venv/bin/python; fi\n'
        'echo "error: cannot reach the index" >&2; exit 2',
    )
    how = installer.Plan(sys.executable, "3.11", str(uv))
    with pytest.raises(InstallError, match=r"`uv sync .*` failed with exit status 2"):
        installer.install(project, how)
    assert not (project / ".venv").exists()


def logging_uv(path, log: Path, lock_text: str = "version = 1"):
    """A uv that logs its arguments and the first line of uv.lock, and writes one for `uv lock`."""
    return path(
        "uv",
        # PATH holds only the stand-ins: shell builtins read the lock.
        f'lock=""; [ -f uv.lock ] && read -r lock < uv.lock; echo "$* | $lock" >> {log}\n'
        f'if [ "$1" = lock ]; then echo "{lock_text}" > uv.lock; fi',
    )


def test_with_uv_the_lock_is_written_then_installed_exactly(path, tmp_path: Path) -> None:
    project = tmp_path / "myapp"
    project.mkdir()
    log = tmp_path / "uv.log"
    how = installer.Plan("/usr/bin/python3.11", "3.11", str(logging_uv(path, log)))
    installer.lock(project, how)
    installer.install(project, how)
    assert log.read_text().splitlines() == [
        "lock --quiet --python /usr/bin/python3.11 | ",
        "sync --locked --extra dev --python /usr/bin/python3.11 | version = 1",
    ]


def test_without_a_lock_uv_sync_writes_one_and_pip_has_none(path, tmp_path: Path) -> None:
    project = tmp_path / "myapp"
    project.mkdir()
    log = tmp_path / "uv.log"
    installer.install(project, installer.Plan("python3", "3.11", str(logging_uv(path, log))))
    assert log.read_text() == "sync --extra dev --python python3 | \n"
    installer.lock(project, installer.Plan(sys.executable, "3.11"))
    assert not (project / "uv.lock").exists()


def test_an_update_that_changes_pyproject_relocks_or_says_how_to(path, tmp_path: Path) -> None:
    project = tmp_path / "myapp"
    project.mkdir()
    # No lock, or an unchanged pyproject.toml: nothing to do, nothing run.
    assert installer.relock(project, changed=True, conflicting=False) is None
    (project / "uv.lock").write_text("old\n")
    assert installer.relock(project, changed=False, conflicting=False) is None
    # Without uv: the lock stays as it was, and the note says what to run.
    note = installer.relock(project, changed=True, conflicting=False)
    assert "uv was not found to update uv.lock: run `make install` with uv" in note
    # Conflicts in pyproject.toml: nothing to lock yet.
    log = tmp_path / "uv.log"
    logging_uv(path, log, lock_text="new")
    note = installer.relock(project, changed=False, conflicting=True)
    assert note.startswith("pyproject.toml has conflicts: once they are resolved, `make install`")
    assert installer.relock(project, changed=True, conflicting=False, pretend=True) == (
        "pyproject.toml would change: uv.lock would then be brought in step with it"
    )
    assert not log.exists() and (project / "uv.lock").read_text() == "old\n"
    # With uv: uv lock, which keeps what it can of the old lock.
    note = installer.relock(project, changed=True, conflicting=False)
    assert note.startswith("pyproject.toml changed, so uv.lock was brought in step with it")
    assert log.read_text() == "lock --quiet | old\n"
    assert (project / "uv.lock").read_text() == "new\n"


def test_a_failed_relock_says_why_in_one_line(path, tmp_path: Path) -> None:
    project = tmp_path / "myapp"
    project.mkdir()
    (project / "uv.lock").write_text("old\n")
    path("uv", 'echo "error: No interpreter found for Python >=3.12" >&2\necho "more" >&2; exit 2')
    note = installer.relock(project, changed=True, conflicting=False)
    assert note == (
        "`uv lock --quiet` failed with exit status 2 (No interpreter found for Python >=3.12): "
        "run `make install` with uv (or `uv lock`) to update uv.lock, then commit it"
    )


def test_an_interrupted_install_removes_the_venv_it_was_making(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "myapp"
    project.mkdir()

    def interrupted(command, cwd, **_options):
        (project / ".venv" / "lib").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(installer, "_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        installer.install(project, installer.Plan(sys.executable, "3.11"))
    assert not (project / ".venv").exists()
    assert os.listdir(project) == []
