"""The template store: a git repository of template versions under the user's data directory.

An installed wheel carries its template without git history, and copier can only update a
project from a template with history. So each scaffold version commits its template here, once,
as one commit tagged `v<version>`, and the projects it makes name this repository as their source.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from scaffold import vcs
from scaffold.errors import TemplateError, UpdateError
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

    @property
    def location(self) -> str:
        """The store as projects record it (`~/...` when under the home directory).

        Recorded that way, the same answers file finds the store of whoever updates the project,
        on any machine.
        """
        try:
            return "~/" + self.path.relative_to(Path.home()).as_posix()
        except ValueError:
            return str(self.path)

    def is_at(self, location: str) -> bool:
        """Whether `location` (as recorded in an answers file) names this store."""
        return os.path.normpath(Path(location).expanduser()) == os.path.normpath(self.path)

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

    def rebuild(self, version: str) -> None:
        """Recreate a version missing from the store from its wheel, fetched with pip.

        A project made on another machine, or before this store existed, names a version this
        store may never have seen; its wheel carries the template.
        """
        if self.has(version):
            return
        with tempfile.TemporaryDirectory(prefix="scaffold-rebuild-") as scratch:
            wheel = _download_wheel(version, Path(scratch))
            template = Path(scratch) / "template"
            _extract_template(wheel, template)
            self.ensure(version, template)

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


def _download_wheel(version: str, into: Path) -> Path:
    """The scaffold wheel of `version`, fetched with pip (which honours its index settings)."""
    why = (
        f"the template of scaffold {version}, which made this project, is not in the local "
        "template store and could not be downloaded"
    )
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--only-binary=:all:", "--dest", str(into), f"scaffold=={version}",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UpdateError(f"{why} ({exc})") from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        detail = lines[-1].removeprefix("ERROR: ") if lines else f"pip exited {done.returncode}"
        raise UpdateError(
            f"{why} (pip: {detail}). Make scaffold=={version} downloadable here (a network "
            "connection, or its wheel in a directory named by PIP_FIND_LINKS), then run the "
            "update again"
        )
    wheels = sorted(into.glob("scaffold-*.whl"))
    if not wheels:
        raise UpdateError(f"{why} (pip downloaded no scaffold wheel)")
    return wheels[0]


def _extract_template(wheel: Path, into: Path) -> None:
    """Unpack the template (scaffold/template/) that a scaffold wheel carries."""
    prefix = "scaffold/template/"
    with zipfile.ZipFile(wheel) as archive:
        members = [
            name
            for name in archive.namelist()
            if name.startswith(prefix) and not name.endswith("/")
        ]
        if f"{prefix}copier.yml" not in members:
            raise UpdateError(f"{wheel.name} is not a scaffold wheel with a template")
        for name in members:
            target = into / name.removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
