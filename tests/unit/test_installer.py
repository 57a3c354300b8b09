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
        'if [ "$1" = venv ]; then mkdir -p "$5/bin" && touch "$5/bin/python"; exit 0; fi\n'
        'echo "error: cannot reach the index" >&2; exit 2',
    )
    how = installer.Plan(sys.executable, "3.11", str(uv))
    with pytest.raises(InstallError, match=r"`uv pip install .*` failed with exit status 2"):
        installer.install(project, how)
    assert not (project / ".venv").exists()


def test_an_interrupted_install_removes_the_venv_it_was_making(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "myapp"
    project.mkdir()

    def interrupted(command, cwd):
        (project / ".venv" / "lib").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(installer, "_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        installer.install(project, installer.Plan(sys.executable, "3.11"))
    assert not (project / ".venv").exists()
    assert os.listdir(project) == []
