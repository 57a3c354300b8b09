"""The template store: a git repository of template versions under the user's data directory.

An installed wheel carries its template without git history, and copier can only update a
project from a template with history. So each scaffold version commits its template here, once,
as one commit tagged `v<version>`, and the projects it makes name this repository as their source.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from scaffold import vcs
from scaffold.errors import TemplateError
from scaffold.source import TEMPLATE_FILES, data_dir


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
