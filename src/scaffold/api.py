"""Create and update projects: the only module that imports copier.

`create` renders into a staging directory beside the destination and moves the finished project
into place, so a failure or an interruption never leaves a partial project behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold import __version__, catalog, installer, plan, source, spec, staging, vcs
from scaffold.errors import (
    InstallError,
    Interrupted,
    ScaffoldError,
    TemplateError,
    UpdateError,
    UsageError,
    shown,
)

__all__ = ["Project", "Update", "add", "create", "remove", "update"]

ANSWERS_FILE = ".copier-answers.yml"
# How copier's messages about a bad answer begin (its other ValueErrors are about the template).
ANSWER_ERRORS = ("Validation error for question", "Invalid choice for", "Question ")


@dataclass
class Project:
    """What `create` made, for the caller to report."""

    path: Path
    answers: dict[str, Any]
    source: source.TemplateSource
    committed: bool = False
    # With `install` and uv: uv.lock was written before the first commit, which holds it.
    locked: bool = False
    installed: bool = False
    notes: list[str] = field(default_factory=list)
    # With `force`: the files already there that the template replaced, and those it left alone
    # (which are not in the first commit).
    replaced: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


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
    warn: Callable[[str], None] | None = None,
) -> Project:
    """Generate the project `name` in `output_dir`, as `scaffold new` does.

    Questions not given take their defaults unless `interactive`, in which case copier asks them.
    With `git`, the project becomes a repository with one commit (so it can be updated later);
    with `install`, it gets a `.venv` with the project and its dev extra installed: a Python in
    the project's range is found before anything is written, and with uv, `uv.lock` is written
    before the first commit, so that the commit holds it. Without `install`, `warn` (a
    UserWarning by default) is told when `make install` would find no such Python here.
    """
    facts = catalog.load()
    request = spec.build_request(
        facts,
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
    staging.check_destination(destination, force=force)
    template_source = source.resolve(template, vcs_ref)
    answers = dict(request.answers)
    if "package_name" not in answers:
        answers["package_name"] = _ask_package_name(facts, str(answers["project_name"]))
    project = Project(destination, answers, template_source)
    checks = _InstallChecks(facts, install=install, fetch=not pretend, warn=warn or _warn)
    # Without prompts every answer is known now; with them, the checks wait for copier's answers
    # (the project is still in its staging directory then, so nothing is written either way).
    checks.run(answers)

    if pretend:
        project.answers, _ = _render(
            template_source, destination, answers, interactive, pretend=True
        )
        checks.run(project.answers, final=True)
        return project

    lock_failure: InstallError | None = None
    try:
        with staging.staged(destination) as staging_dir:
            project.answers, keep = _render(
                template_source, staging_dir, answers, interactive, quiet=quiet
            )
            checks.run(project.answers, final=True)
            if force and destination.is_dir():
                found = staging.overlay(destination, staging_dir, keep=keep)
                project.replaced, project.others = found.replaced, found.others
            if checks.plan is not None:
                # The lock needs no .venv, so it is made here, in time for the first commit; a
                # failure leaves a complete project without it, reported as a failed install.
                try:
                    installer.lock(staging_dir, checks.plan, echo=echo)
                    project.locked = (staging_dir / installer.LOCK_FILE).is_file()
                except InstallError as exc:
                    lock_failure = exc
            if git:
                project.committed = _commit(staging_dir, destination, project)
    except KeyboardInterrupt:
        raise Interrupted("interrupted; nothing was written") from None
    if checks.plan is not None:
        _install(project, checks.plan, echo, failure=lock_failure)
    return project


def _ask_package_name(facts: catalog.Catalog, project_name: str) -> str:
    """Ask for a package name in the terminal, when the one derived from the project's is unusable.

    Copier cannot ask this itself: it refuses a question whose default fails its validator.
    """
    import questionary

    def problem(value: str) -> str | bool:
        try:
            spec.check_package_name(facts, value)
        except UsageError as exc:
            return str(exc)
        return True

    return str(
        questionary.text(
            "Python package name",
            default=spec.package_name_for(project_name),
            validate=problem,
            validate_while_typing=False,
            qmark="🎤",
        ).unsafe_ask()
    )


class _InstallChecks:
    """Whether the project can be installed here, checked once its framework and Python are known.

    With `install`, an interpreter in the project's range must be found (or the run is refused);
    without it, a warning says when `make install` would find none.
    """

    def __init__(
        self, facts: catalog.Catalog, *, install: bool, fetch: bool, warn: Callable[[str], None]
    ) -> None:
        self.facts, self.install, self.fetch, self.warn = facts, install, fetch, warn
        self.plan: installer.Plan | None = None
        self.done = False

    def run(self, answers: Mapping[str, Any], *, final: bool = False) -> None:
        """Check once the answers say the framework and the Python (`final`: they must now)."""
        if self.done:
            return
        if "framework" not in answers or "python_version" not in answers:
            if final and self.install:
                raise UsageError(
                    "--install needs a template that asks for the framework and python_version, "
                    "as scaffold's own does"
                )
            return
        self.done = True
        framework = self.facts.framework(str(answers["framework"]))
        if self.install:
            self.plan = installer.plan(answers, framework, fetch=self.fetch)
        elif message := installer.warning(answers, framework):
            self.warn(message)


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, UserWarning, stacklevel=3)


def _install(
    project: Project,
    how: installer.Plan,
    echo: Callable[[str], None],
    *,
    failure: InstallError | None = None,
) -> None:
    """Install the project; on failure, say what is left and the command that finishes the job.

    A `failure` of the lock, before the first commit, is reported the same way.
    """
    try:
        if failure is not None:
            raise failure
        installer.install(project.path, how, echo=echo)
    except (InstallError, KeyboardInterrupt) as exc:
        left = "complete and committed" if project.committed else "complete"
        venv = (
            "an incomplete .venv (delete it)" if (project.path / ".venv").exists() else "no .venv"
        )
        where = shown(project.path)
        finish = f"left: the project, {left}, in {where}, with {venv}; to install it: cd {where} && make install"
        if isinstance(exc, KeyboardInterrupt):
            raise Interrupted(f"interrupted while installing; {finish}") from None
        raise InstallError(f"{exc}; {finish}") from exc
    project.installed = True


def _render(
    template_source: source.TemplateSource,
    destination: Path,
    answers: Mapping[str, Any],
    interactive: bool,
    *,
    pretend: bool = False,
    quiet: bool = True,
) -> tuple[dict[str, Any], Callable[[str], bool]]:
    """Run copier's copy; return the answers it recorded, and its skip-if-exists test."""
    import copier

    with _copier_errors(f"cannot render the template from {template_source}", TemplateError):
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
    answers = {
        key: value for key, value in worker.answers.combined.items() if key in spec.QUESTIONS
    }
    return answers, lambda path: bool(worker.match_skip(Path(path)))


@contextmanager
def _copier_errors(context: str, error: type[ScaffoldError]) -> Iterator[None]:
    """Turn copier's failures into scaffold's errors: bad answers into UsageError, the rest into `error`."""
    from copier.errors import CopierAnswersInterrupt, CopierError, InteractiveSessionError
    from jinja2 import TemplateError as JinjaError

    try:
        yield
    except CopierAnswersInterrupt as exc:
        raise KeyboardInterrupt from exc
    except InteractiveSessionError as exc:
        raise UsageError(
            "no terminal to ask questions in: pass --defaults or answer them with -d"
        ) from exc
    except (ValueError, TypeError) as exc:
        text = " ".join(str(exc).split())
        if text.startswith(ANSWER_ERRORS):
            raise UsageError(_one_line(exc)) from exc
        raise UsageError(f"{context}: {_one_line(exc)}") from exc
    except (CopierError, JinjaError, OSError, RuntimeError) as exc:
        raise error(f"{context}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    stderr = getattr(exc, "stderr", None)
    if isinstance(stderr, str) and stderr.strip():
        # A failed git command (plumbum's ProcessExecutionError): git's last line says why.
        return stderr.strip().splitlines()[-1]
    text = " ".join(str(exc).split())
    return text.removeprefix("Validation error for question ") or type(exc).__name__


def _commit(rendered: Path, destination: Path, project: Project) -> bool:
    """Make the new project a git repository whose one commit holds what the template wrote."""
    if not vcs.available():
        project.notes.append("git was not found, so the project is not a git repository yet")
        return False
    if (rendered / ".git").exists():
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
        rendered,
        f"Create {project.answers.get('project_name', destination.name)} with scaffold {__version__}",
        name=project.answers.get("author_name", ""),
        email=project.answers.get("author_email", ""),
        leave_out=project.others,
    )
    return True


@dataclass
class Update:
    """What an update did to a project (with `pretend`, what it would do)."""

    path: Path
    source: source.TemplateSource
    old_ref: str
    new_ref: str
    plan: plan.Plan
    pretend: bool = False
    # What the user should know besides the plan (about uv.lock, say).
    notes: list[str] = field(default_factory=list)


def update(
    path: str | os.PathLike[str] = ".",
    *,
    vcs_ref: str | None = None,
    data: Iterable[str] = (),
    pretend: bool = False,
    quiet: bool = True,
) -> Update:
    """Bring the project at `path` up to this scaffold's template, keeping its owner's edits.

    `data` (`KEY=VALUE`) changes answers on the way. Clean merges are applied; where the owner and
    the template changed the same lines, the file gets inline conflict markers. With `pretend`, the
    update runs on a scratch clone of the project and only its plan is returned.
    """
    project = Path(path).absolute()
    answers = read_answers(project)
    changes = spec.answer_changes(catalog.load(), answers, data)
    _check_repository(project)
    template_source = source.for_update(str(answers["_src_path"]), str(answers["_commit"]), vcs_ref)
    if pretend:
        with _scratch_clone(project) as copy:
            try:
                _run_update(copy, template_source, changes, quiet)
            except KeyboardInterrupt:
                raise Interrupted("interrupted; nothing was written") from None
            new_ref = str(read_answers(copy)["_commit"])
            planned = plan.read(copy)
            return Update(
                project,
                template_source,
                str(answers["_commit"]),
                new_ref,
                planned,
                True,
                _lock_notes(copy, planned, pretend=True),
            )
    try:
        _run_update(project, template_source, changes, quiet)
    except BaseException as exc:
        # The tree was clean before: put it back exactly as it was, ignored files (.env) aside.
        vcs.git("reset", "-q", "--hard", "HEAD", cwd=project)
        vcs.git("clean", "-q", "-fd", "--", ".", cwd=project)
        if isinstance(exc, KeyboardInterrupt):
            raise Interrupted("interrupted; the project was put back as it was") from None
        raise
    new_ref = str(read_answers(project)["_commit"])
    done = plan.read(project)
    notes = _lock_notes(project, done, pretend=False)
    if notes:
        done = plan.read(project)
    return Update(project, template_source, str(answers["_commit"]), new_ref, done, notes=notes)


def _lock_notes(project: Path, changes: plan.Plan, *, pretend: bool) -> list[str]:
    """Keep uv.lock, which no update merges, in step with an updated pyproject.toml."""
    changed = "pyproject.toml" in {*changes.changed, *changes.added}
    conflicting = "pyproject.toml" in changes.conflicting
    note = installer.relock(project, changed=changed, conflicting=conflicting, pretend=pretend)
    return [note] if note else []


def add(feature: str, path: str | os.PathLike[str] = ".", *, pretend: bool = False) -> Update:
    """Give the project at `path` a feature, at its current template version."""
    return _change_feature(feature, path, adding=True, pretend=pretend)


def remove(feature: str, path: str | os.PathLike[str] = ".", *, pretend: bool = False) -> Update:
    """Take a feature away from the project at `path`, at its current template version."""
    return _change_feature(feature, path, adding=False, pretend=pretend)


def _change_feature(
    feature: str, path: str | os.PathLike[str], *, adding: bool, pretend: bool
) -> Update:
    project = Path(path).absolute()
    answers = read_answers(project)
    facts = catalog.load()
    feature = facts.feature(feature).name
    current = list(answers.get("features") or [])
    if adding and feature in current:
        raise UsageError(f"{project.name} already has the feature '{feature}'")
    if not adding and feature not in current:
        has = ", ".join(current) or "none"
        raise UsageError(f"{project.name} does not have the feature '{feature}' (it has: {has})")
    wanted = {*current, feature} if adding else set(current) - {feature}
    features = [name for name in facts.features if name in wanted]
    # The template version stays as it is: the change is the feature and nothing else.
    return update(
        project,
        vcs_ref=str(answers["_commit"]),
        data=[f"features={','.join(features)}"],
        pretend=pretend,
    )


def read_answers(project: Path) -> dict[str, Any]:
    """The answers a project was generated with, with `_src_path` and `_commit`."""
    import yaml

    if not project.is_dir():
        raise UsageError(f"{project} is not a directory")
    answers_file = project / ANSWERS_FILE
    try:
        answers = yaml.safe_load(answers_file.read_text())
    except FileNotFoundError:
        raise UpdateError(
            f"{project} has no {ANSWERS_FILE}: it was not generated by scaffold or copier"
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise UpdateError(f"cannot read {answers_file}: {_one_line(exc)}") from exc
    missing = [
        key
        for key in ("_src_path", "_commit", "framework")
        if not isinstance(answers, dict) or key not in answers
    ]
    if missing:
        raise UpdateError(
            f"{answers_file} lacks {', '.join(missing)}, so the project cannot be updated"
        )
    return answers


def _check_repository(project: Path) -> None:
    if not vcs.available():
        raise UpdateError("git is needed to update a project, and it was not found")
    if not vcs.inside_work_tree(project):
        raise UpdateError(
            f"{project} is not in a git repository: updates merge into committed work "
            "(git init && git add -A && git commit -m 'Initial commit')"
        )
    if vcs.is_dirty(project):
        raise UpdateError(
            f"{project} has uncommitted changes: commit or stash them first, so the update can be "
            "reviewed and undone"
        )


@contextmanager
def _scratch_clone(project: Path) -> Iterator[Path]:
    """A throwaway clone of the repository holding `project`; yields the project inside it."""
    top = Path(vcs.git("rev-parse", "--show-toplevel", cwd=project).strip())
    inside = project.resolve().relative_to(top.resolve())
    with tempfile.TemporaryDirectory(prefix="scaffold-pretend-") as scratch:
        clone = Path(scratch) / "repository"
        vcs.git("clone", "-q", str(top), str(clone), cwd=Path(scratch))
        yield clone / inside


def _run_update(
    project: Path, template_source: source.TemplateSource, changes: Mapping[str, Any], quiet: bool
) -> None:
    import copier

    with _copier_errors(f"cannot update from {template_source}", UpdateError):
        copier.run_update(
            project,
            data=dict(changes),
            defaults=True,
            overwrite=True,
            skip_answered=True,
            conflict="inline",
            vcs_ref=template_source.ref,
            quiet=quiet,
            unsafe=False,
        )
