"""Where the template comes from: this git checkout, the local template store, or a given source.

Copier can only update a project whose template has git history. A checkout of the scaffold
repository has that history, so projects made from it point at the checkout. An installed wheel
has none, so its template goes into the template store (store.py) and projects point there.

A source given by the user (`--template`, `--vcs-ref`) is checked here when it is local, so that a
wrong one is refused with what was given and what is expected, before copier runs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import __version__
from scaffold.errors import TemplateError, UpdateError, UsageError

if TYPE_CHECKING:
    from scaffold.store import TemplateStore

COPIER_FILES = ("copier.yml", "copier.yaml")

PACKAGED_ROOT = Path(__file__).parent / "template"
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def template_root() -> Path:
    """The directory holding this scaffold's copier.yml, catalog.yml and templates/."""
    for root in (PACKAGED_ROOT, CHECKOUT_ROOT):
        if (root / "copier.yml").is_file():
            return root
    raise TemplateError("this scaffold installation has no template files; reinstall scaffold")


def is_checkout(root: Path) -> bool:
    """Whether `root` is the top of a git checkout of the scaffold repository."""
    return root == CHECKOUT_ROOT and (root / ".git").exists()


@dataclass(frozen=True)
class TemplateSource:
    """What copier is given: a source (path or URL) and the git reference to render."""

    location: str
    ref: str | None = None

    def __str__(self) -> str:
        return f"{self.location} at {self.ref}" if self.ref else self.location


def resolve(template: str | None = None, vcs_ref: str | None = None) -> TemplateSource:
    """The source for a new project: `template` if given, else this scaffold's own template."""
    if template is not None:
        if not is_remote(template):
            repository = check_local_template(template)
            if vcs_ref is not None:
                check_ref(repository, vcs_ref, template)
        return TemplateSource(template, vcs_ref)
    root = template_root()
    if is_checkout(root):
        if vcs_ref is not None:
            check_ref(root, vcs_ref, str(root))
        return TemplateSource(str(root), vcs_ref or "HEAD")
    from scaffold.store import TemplateStore

    store = TemplateStore.default()
    tag = store.ensure(__version__, root)
    if vcs_ref is not None and vcs_ref != tag:
        _fetch_into_store(store, vcs_ref, "the template version asked for with --vcs-ref")
    return TemplateSource(store.location, vcs_ref or tag)


def for_update(recorded: str, old_ref: str, vcs_ref: str | None = None) -> TemplateSource:
    """The source to update a project from, given the `_src_path` and `_commit` it recorded.

    A project made from this checkout updates to the checkout's HEAD; one made from the template
    store updates to this scaffold's template, after making sure the store holds both that
    template and the project's own (rebuilding it if needed). Any other source is copier's
    business: its latest tag, unless `vcs_ref` says otherwise.
    """
    from scaffold.store import TemplateStore

    root = template_root()
    if is_checkout(root) and os.path.normpath(Path(recorded).expanduser()) == str(root):
        if not _has_commit(root, old_ref):
            raise UpdateError(
                f"this project was rendered from uncommitted template changes in {root} (its "
                f"commit {old_ref} exists nowhere): there is no base to merge an update from"
            )
        if vcs_ref is not None:
            check_ref(root, vcs_ref, str(root))
        return TemplateSource(recorded, vcs_ref or "HEAD")
    store = TemplateStore.default()
    if store.is_at(recorded):
        tag = store.ensure(__version__, root)
        if old_ref.startswith("v"):
            store.rebuild(old_ref, "the template this project was made from")
        wanted = vcs_ref or tag
        if wanted != tag:
            _fetch_into_store(store, wanted, "the template version asked for with --vcs-ref")
        return TemplateSource(recorded, wanted)
    local = Path(recorded).expanduser()
    if not is_remote(recorded) and not local.exists():
        raise UpdateError(
            f"the template this project was made from ({recorded}, in .copier-answers.yml) does "
            "not exist on this machine"
        )
    if vcs_ref is not None and not is_remote(recorded):
        check_ref(local, vcs_ref, recorded)
    return TemplateSource(recorded, vcs_ref)


def _fetch_into_store(store: TemplateStore, tag: str, role: str) -> None:
    """Make sure the store holds `tag`, rebuilding a scaffold version's template if it names one."""
    if store.has(tag):
        return
    if tag.startswith("v") and tag[1:2].isdigit():
        store.rebuild(tag, role)
        return
    raise UsageError(f"the template store has no version '{tag}': {_known_tags(store.tags())}")


def check_local_template(template: str) -> Path:
    """Refuse a local template that is missing or is not a copier template; return its path."""
    path = Path(template).expanduser()
    expected = "give a directory holding a copier.yml, or a git URL"
    if not path.exists():
        raise UsageError(f"the template {template} does not exist: {expected}")
    if not path.is_dir():
        raise UsageError(f"the template {template} is not a directory: {expected}")
    if not any((path / name).is_file() for name in COPIER_FILES):
        raise UsageError(f"{template} is not a copier template (it has no copier.yml): {expected}")
    return path


def check_ref(repository: Path, ref: str, template: str) -> None:
    """Refuse a git reference that the local template `repository` does not have."""
    from scaffold import vcs

    if not _is_repository_root(repository):
        raise UsageError(
            f"--vcs-ref {ref} needs a template in git, and {template} is not a git repository"
        )
    if not _has_commit(repository, ref):
        tags = vcs.git("tag", "--list", "--sort=-v:refname", cwd=repository).split()
        raise UsageError(
            f"the template {template} has no version '{ref}' (a git tag, branch or commit): "
            f"{_known_tags(tags)}"
        )


def _known_tags(tags: list[str]) -> str:
    if not tags:
        return "it has no tags"
    shown = ", ".join(tags[:5]) + (", ..." if len(tags) > 5 else "")
    return f"its versions are {shown}"


def identity() -> str:
    """The template this scaffold renders, as `scaffold --version` names it.

    Its content hash always (the tag its projects record in the template store ends with it),
    and for a git checkout also its commit, and whether the template has uncommitted changes.
    """
    from scaffold import fingerprint, vcs

    try:
        root = template_root()
    except TemplateError:
        return "no template: reinstall scaffold"
    text = f"template {fingerprint.content_hash(root)}"
    if is_checkout(root) and vcs.available():
        try:
            commit = vcs.git("rev-parse", "--short", "HEAD", cwd=root).strip()
            changed = vcs.git("status", "--porcelain", "--", *fingerprint.TEMPLATE_FILES, cwd=root)
        except vcs.GitError:
            return f"{text}, from the checkout {root}"
        text += f", from the git checkout {root} at {commit}"
        if changed.strip():
            text += " with uncommitted changes"
    return text


def is_remote(location: str) -> bool:
    """Whether a template location is a URL or a copier shortcut rather than a local path."""
    return "://" in location or location.startswith(("gh:", "gl:", "git@", "git+"))


def data_dir() -> Path:
    """Scaffold's per-user data directory (`SCAFFOLD_DATA_DIR` overrides it)."""
    if override := os.environ.get("SCAFFOLD_DATA_DIR"):
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "scaffold"


def _is_repository_root(path: Path) -> bool:
    from scaffold import vcs

    try:
        top = vcs.git("rev-parse", "--show-toplevel", cwd=path).strip()
    except vcs.GitError:
        return False
    return os.path.samefile(top, path)


def _has_commit(repository: Path, ref: str) -> bool:
    from scaffold import vcs

    try:
        vcs.git("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", cwd=repository)
    except vcs.GitError:
        return False
    return True
