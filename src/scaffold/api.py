"""Create and update projects: the only module that imports copier.

`create` renders into a staging directory beside the destination and moves the finished project
into place, so a failure or an interruption never leaves a partial project behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold import __version__, catalog, installer, source, spec, vcs
from scaffold.errors import DestinationError, DestinationExistsError, TemplateError, UsageError

__all__ = ["Project", "create"]


@dataclass
class Project:
    """What `create` made, for the caller to report."""

    path: Path
    answers: dict[str, Any]
    source: source.TemplateSource
    committed: bool = False
    installed: bool = False
    notes: list[str] = field(default_factory=list)


def create(
    name: str,
    *,
    framework: str | None = None,
    database: str | None = None,
    features: Iterable[str] = (),
    python: str | None = None,
    data: Iterable[str] = (),
    output_dir: str | os.PathLike[str] = ".",
    interactive: bool = False,
    pretend: bool = False,
    force: bool = False,
    git: bool = True,
    install: bool = False,
    template: str | None = None,
    vcs_ref: str | None = None,
    quiet: bool = True,
    echo: Callable[[str], None] = lambda _message: None,
) -> Project:
    """Generate the project `name` in `output_dir`, as `scaffold new` does.

    Questions not given take their defaults unless `interactive`, in which case copier asks them.
    With `git`, the project becomes a repository with one commit (so it can be updated later);
    with `install`, it gets a `.venv` with the project and its dev extra installed.
    """
    request = spec.build_request(
        catalog.load(),
        name,
        output_dir=Path(output_dir).absolute(),
        framework=framework,
        database=database,
        features=features,
        python=python,
        data=data,
        interactive=interactive,
    )
    destination = request.destination
    _check_destination(destination, force=force)
    template_source = source.resolve(template, vcs_ref)
    project = Project(destination, dict(request.answers), template_source)

    if pretend:
        project.answers = _render(
            template_source, destination, request.answers, interactive, pretend=True
        )
        return project

    with _staging(destination, keep=force) as staging:
        project.answers = _render(
            template_source, staging, request.answers, interactive, quiet=quiet
        )
        if git:
            project.committed = _commit(staging, destination, project)
    if install:
        framework_facts = catalog.load().framework(project.answers["framework"])
        installer.install(
            destination, project.answers, python_below=framework_facts.python_below, echo=echo
        )
        project.installed = True
    return project


def _check_destination(destination: Path, *, force: bool) -> None:
    if destination.is_dir():
        if not force and any(destination.iterdir()):
            raise DestinationExistsError(
                f"{destination} already exists and is not empty: choose another name, or pass --force "
                "to write the project into it"
            )
    elif destination.exists() or destination.is_symlink():
        raise DestinationError(f"{destination} already exists and is not a directory")


@contextmanager
def _staging(destination: Path, *, keep: bool) -> Iterator[Path]:
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


def _render(
    template_source: source.TemplateSource,
    destination: Path,
    answers: Mapping[str, Any],
    interactive: bool,
    *,
    pretend: bool = False,
    quiet: bool = True,
) -> dict[str, Any]:
    """Run copier; return the answers it recorded. Copier's failures become scaffold's errors."""
    import copier
    from copier.errors import CopierAnswersInterrupt, CopierError, InteractiveSessionError
    from jinja2 import TemplateError as JinjaError

    try:
        worker = copier.run_copy(
            template_source.location,
            destination,
            data=dict(answers),
            defaults=not interactive,
            vcs_ref=template_source.ref,
            overwrite=True,
            pretend=pretend,
            quiet=quiet and not pretend,
            unsafe=False,
        )
    except CopierAnswersInterrupt as exc:
        raise KeyboardInterrupt from exc
    except InteractiveSessionError as exc:
        raise UsageError(
            "no terminal to ask questions in: pass --defaults or answer them with -d"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise UsageError(_one_line(exc)) from exc
    except (CopierError, JinjaError, OSError, RuntimeError) as exc:
        raise TemplateError(
            f"cannot render the template from {template_source}: {_one_line(exc)}"
        ) from exc
    return {key: value for key, value in worker.answers.combined.items() if key in spec.QUESTIONS}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.removeprefix("Validation error for question ") or type(exc).__name__


def _commit(staging: Path, destination: Path, project: Project) -> bool:
    """Make the new project a git repository with one commit, unless it should not be one."""
    if not vcs.available():
        project.notes.append("git was not found, so the project is not a git repository yet")
        return False
    if (staging / ".git").exists():
        project.notes.append(
            "the destination was already a git repository: the changes are left uncommitted"
        )
        return False
    if vcs.inside_work_tree(destination.parent):
        project.notes.append(
            "the destination is inside a git repository: commit the new files there"
        )
        return False
    vcs.init_and_commit(
        staging,
        f"Create {project.answers.get('project_name', destination.name)} with scaffold {__version__}",
        name=project.answers.get("author_name", ""),
        email=project.answers.get("author_email", ""),
    )
    return True
