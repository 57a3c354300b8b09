"""Where the template comes from: this git checkout, the local template store, or a given source.

Copier can only update a project whose template has git history. A checkout of the scaffold
repository has that history, so projects made from it point at the checkout. An installed wheel
has none, so its template is committed to a store (a git repository under the user's data
directory, one commit and tag per scaffold version, made on first use) and projects point there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffold import __version__, vcs
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


def version_tag(version: str) -> str:
    """The store's tag for a scaffold version."""
    return f"v{version}"


class TemplateStore:
    """A git repository holding one commit and tag per scaffold version of the template."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> TemplateStore:
        """The store in the user's data directory."""
        return cls(data_dir() / "templates")

    def has(self, version: str) -> bool:
        """Whether the store holds `version`."""
        if not (self.path / ".git").is_dir():
            return False
        try:
            vcs.git(
                "rev-parse", "-q", "--verify", f"refs/tags/{version_tag(version)}", cwd=self.path
            )
        except vcs.GitError:
            return False
        return True

    def ensure(self, version: str, files: Path) -> str:
        """Make sure the store holds `version`, committing `files` as it if not; return its tag."""
        if not self.has(version):
            if not vcs.available():
                raise TemplateError(
                    "git is needed to keep the template store that makes projects updatable; "
                    "install git, or pass --template to use another template source"
                )
            with self._locked():
                if not self.has(version):
                    self._add(version, files)
        return version_tag(version)

    def _add(self, version: str, files: Path) -> None:
        if not (self.path / ".git").is_dir():
            self.path.mkdir(parents=True, exist_ok=True)
            vcs.git("init", "-q", "--initial-branch=main", cwd=self.path)
        for child in self.path.iterdir():
            if child.name not in {".git", ".lock"}:
                _remove(child)
        ignore = shutil.ignore_patterns("__pycache__", "*.py[co]")
        for name in TEMPLATE_FILES:
            source = files / name
            if source.is_dir():
                shutil.copytree(source, self.path / name, ignore=ignore)
            else:
                shutil.copy2(source, self.path / name)
        (self.path / ".gitignore").write_text(".lock\n")
        vcs.git("add", "-A", cwd=self.path)
        vcs.git(
            "commit", "-q", "--allow-empty", "--no-verify", "--no-gpg-sign",
            "-m", f"scaffold {version}",
            # The store's commits are scaffold's own, whatever identity the user has set up.
            cwd=self.path, env=vcs.identity(*vcs.FALLBACK_IDENTITY),
        )  # fmt: skip
        vcs.git("tag", version_tag(version), cwd=self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers, so two scaffold runs never commit into the store at once."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as lock:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
