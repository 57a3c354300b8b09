"""Give a new project its own `.venv` with the project and its dev extra installed.

A project runs on the Pythons from its minimum (`python_version`) to its framework's newest
tested one (below `python_below` where the catalog sets it). `plan` picks the interpreter before
anything is written: the one running scaffold when it is in that range, else one that uv finds
(or fetches), else `python3.X` on PATH. uv installs when it is on PATH (several times faster), pip
otherwise; their progress goes straight to the terminal. With uv, `lock` first writes `uv.lock`
(so that it can go into the project's first commit) and `install` installs exactly what it pins,
as `make install` does; pip installs the newest versions within the project's ranges. A failed or
interrupted install removes the `.venv` it was making, so that `make install` can start again
from a clean project. After an update, `relock` brings an existing `uv.lock` in step with a
changed `pyproject.toml`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.errors import InstallError

if TYPE_CHECKING:
    from scaffold.catalog import Framework

# Prints an interpreter's X.Y, and whether it can make a virtual environment with pip in it.
PROBE = (
    "import importlib.util, sys; "
    "print('%d.%d' % sys.version_info[:2], bool(importlib.util.find_spec('ensurepip')))"
)


def venv_python(venv: Path) -> Path:
    """The interpreter inside a virtual environment."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def supported_versions(answers: Mapping[str, Any], framework: Framework) -> list[str]:
    """The Python versions (X.Y) a project runs on, oldest first."""
    minimum = _version(str(answers.get("python_version") or framework.default_python))
    below = _version(framework.python_below) if framework.python_below else None
    return [
        version
        for version in framework.python
        if _version(version) >= minimum and (below is None or _version(version) < below)
    ]


def describe(versions: Sequence[str]) -> str:
    """A range of versions as text: `3.11 to 3.13`, or `3.11`."""
    return versions[0] if len(versions) == 1 else f"{versions[0]} to {versions[-1]}"


def running_version() -> str:
    """The X.Y of the Python running scaffold."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass(frozen=True)
class Plan:
    """How a project will be installed: with which interpreter, and with uv or pip."""

    python: str
    version: str
    uv: str | None = None

    @property
    def tool(self) -> str:
        """The installer: uv or pip."""
        return "uv" if self.uv else "pip"


def plan(answers: Mapping[str, Any], framework: Framework, *, fetch: bool = True) -> Plan:
    """Find an interpreter in the project's range; refuse in one line when there is none.

    Without `fetch`, a Python that only uv could fetch counts as found (nothing is downloaded).
    """
    versions = supported_versions(answers, framework)
    uv = shutil.which("uv")
    running = running_version()
    if running in versions and (uv or importlib.util.find_spec("ensurepip")):
        return Plan(sys.executable, running, uv)
    if uv and (found := _uv_find(uv, _specifier(versions))):
        return Plan(found[0], found[1], uv)
    if found := _on_path(versions, needs_venv=uv is None):
        return Plan(found[0], found[1], uv)
    if uv:
        newest = versions[-1]
        if not fetch:
            return Plan(newest, newest, uv)
        return Plan(_uv_fetch(uv, newest, versions), newest, uv)
    raise InstallError(
        f"--install needs Python {describe(versions)} (the project's range; this one is "
        f"{running}) or uv, and neither was found: install uv or python{versions[-1]}, or leave "
        "out --install"
    )


def warning(answers: Mapping[str, Any], framework: Framework) -> str | None:
    """Why `make install` would find no Python for the project here, or None when it would."""
    versions = supported_versions(answers, framework)
    running = running_version()
    if running in versions or shutil.which("uv") or _on_path(versions, needs_venv=True):
        return None
    return (
        f"the project needs Python {describe(versions)}, and this is {running} with neither uv nor "
        f"python{versions[-1]} on PATH: install one of them before `make install`"
    )


LOCK_FILE = "uv.lock"


def lock(project: Path, how: Plan, *, echo: Callable[[str], None] = lambda _message: None) -> None:
    """Write `project/uv.lock` with uv (nothing to do for pip): the versions `install` installs."""
    if not how.uv:
        return
    echo(f"Locking the dependencies in {LOCK_FILE} (uv)")
    _run([how.uv, "lock", "--quiet", "--python", how.python], project)


def install(
    project: Path, how: Plan, *, echo: Callable[[str], None] = lambda _message: None
) -> None:
    """Create `project/.venv` and install the project into it, as `how` says.

    With uv, the versions of `uv.lock` (which uv writes first when it is missing), as
    `make install` does. On a failure or an interruption, the partial `.venv` is removed before
    the error goes on.
    """
    venv = project / ".venv"
    pinned = ", as uv.lock pins" if how.uv and (project / LOCK_FILE).is_file() else ""
    echo(
        f"Creating .venv with Python {how.version} and installing {project.name} with its dev "
        f"extra{pinned} ({how.tool})"
    )
    try:
        if how.uv:
            locked = ["--locked"] if pinned else []
            _run(
                [how.uv, "sync", *locked, "--extra", "dev", "--python", how.python],
                project,
            )
        else:
            _run([how.python, "-m", "venv", str(venv)], project)
            _run([str(venv_python(venv)), "-m", "pip", "install", "-e", ".[dev]"], project)
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)
        raise


def relock(project: Path, *, changed: bool, conflicting: bool, pretend: bool = False) -> str | None:
    """After an update: bring `uv.lock` in step with `pyproject.toml`, or say how to.

    `changed` and `conflicting` say what the update did to `pyproject.toml`; with `pretend`,
    nothing runs. Returns a note for the user, or None when there is nothing to say (no lock, or
    nothing changed).
    """
    if not (project / LOCK_FILE).is_file() or not (changed or conflicting):
        return None
    if conflicting:
        return (
            f"pyproject.toml {'would have' if pretend else 'has'} conflicts: once they are "
            f"resolved, `make install` (with uv) brings {LOCK_FILE} in step with it; commit both"
        )
    if pretend:
        return f"pyproject.toml would change: {LOCK_FILE} would then be brought in step with it"
    uv = shutil.which("uv")
    if uv is None:
        return (
            f"pyproject.toml changed and uv was not found to update {LOCK_FILE}: run "
            f"`make install` with uv (or `uv lock`), then commit {LOCK_FILE}"
        )
    try:
        _run([uv, "lock", "--quiet"], project, capture=True)
    except InstallError as exc:
        return f"{exc}: run `make install` with uv (or `uv lock`) to update {LOCK_FILE}, then commit it"
    return (
        f"pyproject.toml changed, so {LOCK_FILE} was brought in step with it (uv lock, which keeps "
        "every version it can); `make install` installs what it now pins"
    )


def _specifier(versions: Sequence[str]) -> str:
    major, minor = _version(versions[-1])[:2]
    return f">={versions[0]},<{major}.{minor + 1}"


def _probe(executable: str) -> tuple[str, bool] | None:
    """The X.Y of an interpreter, and whether it can make a venv; None when it does not run."""
    try:
        done = subprocess.run(
            [executable, "-c", PROBE], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2:
        return None
    return parts[0], parts[1] == "True"


def _on_path(versions: Sequence[str], *, needs_venv: bool) -> tuple[str, str] | None:
    """`python3.X` from PATH for the newest X in range that runs (and can make a venv)."""
    for version in reversed(versions):
        executable = shutil.which(f"python{version}")
        if executable is None:
            continue
        # pyenv's shims are on PATH for every version it holds, and fail for those not selected.
        probed = _probe(executable)
        if probed and probed[0] == version and (probed[1] or not needs_venv):
            return executable, version
    return None


def _uv_find(uv: str, request: str) -> tuple[str, str] | None:
    """An interpreter that uv finds for `request` (without downloading), and its X.Y."""
    try:
        done = subprocess.run(
            [uv, "python", "find", "--no-project", request],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    executable = done.stdout.strip()
    probed = _probe(executable) if done.returncode == 0 and executable else None
    return (executable, probed[0]) if probed else None


def _uv_fetch(uv: str, version: str, versions: Sequence[str]) -> str:
    """Have uv download Python `version`; return its interpreter."""
    done = subprocess.run(
        [uv, "python", "install", version], capture_output=True, text=True, check=False
    )
    found = _uv_find(uv, version) if done.returncode == 0 else None
    if found is None:
        lines = (done.stderr or done.stdout).strip().splitlines()
        reason = lines[-1].removeprefix("error: ") if lines else f"exit status {done.returncode}"
        raise InstallError(
            f"--install needs Python {describe(versions)} (the project's range; this one "
            f"is {running_version()}), none was found, and uv could not fetch Python {version} "
            f"({reason}): install python{version}, or leave out --install"
        )
    return found[0]


def _run(command: Sequence[str], cwd: Path, *, capture: bool = False) -> None:
    """Run an installer command; with `capture`, its output is kept for the error message only."""
    # The project's own .venv, whatever environment scaffold itself runs in.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    shown = " ".join([Path(command[0]).name, *command[1:]])
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, check=False, capture_output=capture, text=capture
        )
    except OSError as exc:
        raise InstallError(f"cannot run {shown}: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        detail = ""
        if capture:
            lines = (done.stderr or done.stdout or "").strip().splitlines()
            if lines:
                detail = f" ({lines[0].removeprefix('error: ')})"
        raise InstallError(f"`{shown}` failed with exit status {done.returncode}{detail}")
