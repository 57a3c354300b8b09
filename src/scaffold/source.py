"""Where the template comes from: this git checkout, the local template store, or a given source.

Copier can only update a project whose template has git history. A checkout of the scaffold
repository has that history, so projects made from it point at the checkout. An installed wheel
has none, so its template goes into the template store (store.py) and projects point there.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from scaffold import __version__
from scaffold.errors import TemplateError, UpdateError

# The files that make up the template, relative to its root (the repository or the packaged copy).
TEMPLATE_FILES = ("copier.yml", "catalog.yml", "templates")

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
        return TemplateSource(template, vcs_ref)
    root = template_root()
    if is_checkout(root):
        return TemplateSource(str(root), vcs_ref or "HEAD")
    from scaffold.store import TemplateStore

    store = TemplateStore.default()
    tag = store.ensure(__version__, root)
    return TemplateSource(store.location, vcs_ref or tag)


def for_update(recorded: str, old_ref: str, vcs_ref: str | None = None) -> TemplateSource:
    """The source to update a project from, given the `_src_path` and `_commit` it recorded.

    A project made from this checkout updates to the checkout's HEAD; one made from the template
    store updates to this scaffold's version, after making sure the store holds both that version
    and the project's own (rebuilding it if needed). Any other source is copier's business: its
    latest tag, unless `vcs_ref` says otherwise.
    """
    from scaffold.store import TemplateStore, version_tag

    root = template_root()
    if is_checkout(root) and os.path.normpath(Path(recorded).expanduser()) == str(root):
        if not _has_commit(root, old_ref):
            raise UpdateError(
                f"this project was rendered from uncommitted template changes in {root} (its "
                f"commit {old_ref} exists nowhere): there is no base to merge an update from"
            )
        return TemplateSource(recorded, vcs_ref or "HEAD")
    store = TemplateStore.default()
    if store.is_at(recorded):
        tag = store.ensure(__version__, root)
        if old_ref.startswith("v"):
            store.rebuild(old_ref.removeprefix("v"))
        wanted = vcs_ref or tag
        if wanted.startswith("v") and wanted != version_tag(__version__):
            store.rebuild(wanted.removeprefix("v"))
        return TemplateSource(recorded, wanted)
    if not is_remote(recorded) and not Path(recorded).expanduser().exists():
        raise UpdateError(
            f"the template this project was made from ({recorded}, in .copier-answers.yml) does "
            "not exist on this machine"
        )
    return TemplateSource(recorded, vcs_ref)


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


def _has_commit(repository: Path, ref: str) -> bool:
    from scaffold import vcs

    try:
        vcs.git("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", cwd=repository)
    except vcs.GitError:
        return False
    return True
