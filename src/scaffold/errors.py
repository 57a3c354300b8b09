"""The failures scaffold reports, and the exit status each one maps to."""

from __future__ import annotations

import os
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class ExitCode(IntEnum):
    """Every exit status the command line uses."""

    OK = 0
    FAILURE = 1
    # `scaffold update --check`: the project is behind its template.
    BEHIND = 1
    USAGE = 2
    INTERRUPTED = 130


class ScaffoldError(Exception):
    """Root of every error scaffold reports; its text is one line fit for the user."""

    exit_code: ExitCode = ExitCode.FAILURE


class UsageError(ScaffoldError, ValueError):
    """The request itself is wrong: a bad name, an unknown choice, an unsupported combination."""

    exit_code = ExitCode.USAGE


class DestinationError(ScaffoldError):
    """The destination cannot take the project."""


class DestinationExistsError(DestinationError, UsageError):
    """The destination is not empty and `--force` was not given."""

    exit_code = ExitCode.USAGE


class TemplateError(ScaffoldError):
    """The template could not be found, read or rendered."""


class InstallError(ScaffoldError):
    """Creating the project's virtual environment or installing into it failed."""


class UpdateError(ScaffoldError):
    """An existing project cannot be updated as asked."""


class Interrupted(ScaffoldError):
    """Ctrl-C or SIGTERM stopped the run; the text says what was left behind."""

    exit_code = ExitCode.INTERRUPTED


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it lies inside it."""
    # Imported here: `scaffold --help` imports this module, and needs no pathlib.
    from pathlib import Path

    try:
        relative = path.relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return os.fspath(relative) if relative.parts else "."
