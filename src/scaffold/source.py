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
from scaffold.errors import TemplateError

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
    return TemplateSource(str(store.path), vcs_ref or tag)


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
