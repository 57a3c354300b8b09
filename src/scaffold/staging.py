"""Atomic generation: render beside the destination, then move the finished project into place.

A failure or an interruption (Ctrl-C, SIGTERM) part-way removes the staging directory and any
parent directories created for it, so the file system is left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from scaffold.errors import DestinationError, DestinationExistsError


def check_destination(destination: Path, *, force: bool) -> None:
    """Refuse a destination that is a file, or a directory with files unless `force`."""
    if destination.is_dir():
        if not force and any(destination.iterdir()):
            raise DestinationExistsError(
                f"{destination} already exists and is not empty: choose another name, or pass --force "
                "to write the project into it"
            )
    elif destination.exists() or destination.is_symlink():
        raise DestinationError(f"{destination} already exists and is not a directory")


@contextmanager
def staged(destination: Path, *, keep: bool) -> Iterator[Path]:
    """A directory beside `destination` to render into; moved into place only on success."""
    created = _make_parents(destination.parent)
    try:
        staging = Path(
            tempfile.mkdtemp(
                prefix=f".{destination.name}.", suffix=".scaffold", dir=destination.parent
            )
        )
    except OSError as exc:
        _remove_dirs(created)
        raise DestinationError(
            f"cannot write to {destination.parent}: {exc.strerror or exc}"
        ) from exc
    try:
        if keep and destination.is_dir():
            shutil.copytree(destination, staging, symlinks=True, dirs_exist_ok=True)
        yield staging
        _move_into_place(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_dirs(created)
        raise


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; return those created, deepest first."""
    missing = []
    for path in (directory, *directory.parents):
        if path.exists():
            break
        missing.append(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_dirs(missing)
        raise DestinationError(f"cannot create {directory}: {exc.strerror or exc}") from exc
    return missing


def _remove_dirs(created: list[Path]) -> None:
    for path in created:
        with suppress(OSError):
            path.rmdir()


def _move_into_place(staging: Path, destination: Path) -> None:
    os.chmod(staging, 0o777 & ~_umask())
    if not destination.exists():
        os.rename(staging, destination)
        return
    # --force: swap the old directory out and the merged one in, then drop the old one.
    backup = staging.with_name(staging.name + ".old")
    os.rename(destination, backup)
    try:
        os.rename(staging, destination)
    except BaseException:
        os.rename(backup, destination)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
