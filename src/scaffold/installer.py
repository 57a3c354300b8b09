"""Give a new project its own `.venv` with the project and its dev extra installed.

uv is used when it is on PATH (several times faster), pip otherwise. Their progress goes straight to
the terminal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scaffold.errors import InstallError


def venv_python(venv: Path) -> Path:
    """The interpreter inside a virtual environment."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def supports_current_python(answers: Mapping[str, Any], python_below: str | None = None) -> bool:
    """Whether the interpreter running scaffold satisfies the project's `requires-python`."""
    current = sys.version_info[:2]
    minimum = _version(str(answers.get("python_version", "3")))
    return current >= minimum and (python_below is None or current < _version(python_below))


def install(
    project: Path,
    answers: Mapping[str, Any],
    *,
    python_below: str | None = None,
    echo: Callable[[str], None] = lambda _message: None,
) -> str:
    """Create `project/.venv` and install the project into it; return the tool used (uv or pip)."""
    venv = project / ".venv"
    here = supports_current_python(answers, python_below)
    uv = shutil.which("uv")
    if uv:
        # uv finds another interpreter when the one running scaffold is outside the project's range.
        interpreter = sys.executable if here else str(answers["python_version"])
        echo(f"Creating .venv and installing {project.name} with its dev extra (uv)")
        _run([uv, "venv", "--quiet", "--python", interpreter, str(venv)], project)
        _run([uv, "pip", "install", "--python", str(venv_python(venv)), "-e", ".[dev]"], project)
        return "uv"
    if not here:
        raise InstallError(
            f"this Python ({sys.version.split()[0]}) is outside the project's range (from "
            f"{answers['python_version']}): install uv, or run scaffold with a Python in that range"
        )
    echo(f"Creating .venv and installing {project.name} with its dev extra (pip)")
    _run([sys.executable, "-m", "venv", str(venv)], project)
    _run([str(venv_python(venv)), "-m", "pip", "install", "-e", ".[dev]"], project)
    return "pip"


def _run(command: Sequence[str], cwd: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    try:
        done = subprocess.run(command, cwd=cwd, env=env, check=False)
    except OSError as exc:
        raise InstallError(f"cannot run {command[0]}: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        raise InstallError(
            f"`{' '.join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command))}` "
            f"failed with exit status {done.returncode}; the project is complete in {cwd}: "
            "fix the problem, then run `make install` there"
        )
