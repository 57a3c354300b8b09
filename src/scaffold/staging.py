"""Atomic generation: render beside the destination, then move the finished project into place.

A failure or an interruption (Ctrl-C, SIGTERM) part-way removes the staging directory and any
parent directories created for it, so the file system is left as it was.

With `--force` the destination already holds files. The template is rendered into an empty staging
directory all the same, so that what it wrote is known; `overlay` then brings the existing files
that the template did not write into the staging directory, and says which ones it replaced.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
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
def staged(destination: Path) -> Iterator[Path]:
    """An empty directory beside `destination` to render into; moved into place only on success."""
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
        yield staging
        _move_into_place(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_dirs(created)
        raise


@dataclass
class Overlay:
    """What `overlay` did with the files that were already in the destination."""

    replaced: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


def overlay(existing: Path, staging: Path, *, keep: Callable[[str], bool]) -> Overlay:
    """Bring the files of `existing` that the template did not write into `staging`.

    A file the template also wrote is replaced by the template's (and listed as replaced when
    they differ), unless `keep(path)` says the existing one wins, as copier's `_skip_if_exists`
    does. A file where the template put a directory, or the other way round, is refused.
    """
    result = Overlay()
    for directory, subdirectories, names in os.walk(existing):
        relative = Path(directory).relative_to(existing)
        for name in [*subdirectories, *names]:
            source, path = Path(directory) / name, (relative / name).as_posix()
            target = staging / path
            if source.is_dir() and not source.is_symlink():
                if target.exists() and not target.is_dir():
                    _clash(existing, path, "a directory", "a file")
                target.mkdir(exist_ok=True)
                shutil.copystat(source, target)
            elif not (target.exists() or target.is_symlink()):
                _copy(source, target)
                if path.split("/", 1)[0] != ".git":
                    result.others.append(path)
            elif target.is_dir() and not target.is_symlink():
                _clash(existing, path, "a file", "a directory")
            elif keep(path):
                target.unlink()
                _copy(source, target)
                result.kept.append(path)
            elif source.is_symlink() or not filecmp.cmp(source, target, shallow=False):
                result.replaced.append(path)
        subdirectories[:] = [
            name for name in subdirectories if not (Path(directory) / name).is_symlink()
        ]
    for paths in (result.replaced, result.kept, result.others):
        paths.sort()
    return result


def _copy(source: Path, target: Path) -> None:
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
    else:
        shutil.copy2(source, target)


def _clash(existing: Path, path: str, theirs: str, ours: str) -> None:
    raise DestinationError(
        f"{existing / path} is {theirs}, and the template writes {ours} there: move it away, "
        "then run the command again"
    )


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
