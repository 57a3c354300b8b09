"""The template store: a git repository of template versions under the user's data directory.

An installed wheel carries its template without git history, and copier can only update a
project from a template with history. So each template an installed scaffold carries is committed
here, once, tagged `v<version>+<content hash>`, and the projects it makes name this repository as
their source. The tag is keyed by content, not by version alone: two builds of one version whose
templates differ (installed from a checkout or from git) each render their own template.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from scaffold import fingerprint, vcs
from scaffold.errors import TemplateError
from scaffold.source import data_dir


def version_tag(version: str, content: str | None = None) -> str:
    """The store's tag for a template: `v<version>+<content hash>` (`v<version>` before hashes)."""
    return f"v{version}+{content}" if content else f"v{version}"


def parse_tag(tag: str) -> tuple[str, str | None]:
    """The scaffold version and content hash a store tag names (the hash is None in old tags)."""
    version, _, content = tag.removeprefix("v").partition("+")
    return version, content or None


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

    def has(self, tag: str) -> bool:
        """Whether the store holds the template tagged `tag`."""
        if not (self.path / ".git").is_dir():
            return False
        try:
            vcs.git("rev-parse", "-q", "--verify", f"refs/tags/{tag}", cwd=self.path)
        except vcs.GitError:
            return False
        return True

    def tags(self) -> list[str]:
        """Every tag in the store, in git's order."""
        if not (self.path / ".git").is_dir():
            return []
        return vcs.git("tag", "--list", cwd=self.path).split()

    def ensure(self, version: str, files: Path) -> str:
        """Make sure the store holds the template in `files` (of `version`); return its tag."""
        tag = version_tag(version, fingerprint.content_hash(files))
        if not self.has(tag):
            if not vcs.available():
                raise TemplateError(
                    "git is needed to keep the template store that makes projects updatable; "
                    "install git, or pass --template to use another template source"
                )
            with self._locked():
                if not self.has(tag):
                    self._add(tag, files)
        return tag

    def rebuild(self, tag: str, role: str) -> None:
        """Recreate a template missing from the store from its scaffold's wheel, fetched with pip.

        A project made on another machine, or before this store existed, names a template this
        store may never have seen. The released wheel of its version carries that template, unless
        the project was made by another build of that version (its content hash then differs).
        `role` says in messages what the template is needed as.
        """
        if self.has(tag):
            return
        version, content = parse_tag(tag)
        with tempfile.TemporaryDirectory(prefix="scaffold-rebuild-") as scratch:
            wheel = _download_wheel(version, Path(scratch), role)
            template = Path(scratch) / "template"
            _extract_template(wheel, template)
            released = fingerprint.content_hash(template)
            if content is not None and released != content:
                raise TemplateError(
                    f"{role} (template {content} of scaffold {version}) is not in the local "
                    f"template store, and the released scaffold {version} carries another template "
                    f"({released}): install the scaffold build that carries it and run `scaffold "
                    "update` once, so that its template enters the store"
                )
            with self._locked():
                if not self.has(tag):
                    self._add(tag, template)

    def _add(self, tag: str, files: Path) -> None:
        if not (self.path / ".git").is_dir():
            self.path.mkdir(parents=True, exist_ok=True)
            vcs.git("init", "-q", "--initial-branch=main", cwd=self.path)
        for child in self.path.iterdir():
            if child.name not in {".git", ".lock"}:
                _remove(child)
        for relative in fingerprint.files(files):
            target = self.path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(files / relative, target)
        (self.path / ".gitignore").write_text(".lock\n")
        vcs.git("add", "-A", cwd=self.path)
        # One commit per tag, even for a tree the store already holds: copier records
        # `git describe --tags`, which must name exactly this tag.
        vcs.git(
            "commit", "-q", "--allow-empty", "--no-verify", "--no-gpg-sign",
            "-m", f"scaffold template {tag}",
            # The store's commits are scaffold's own, whatever identity the user has set up.
            cwd=self.path, env=vcs.identity(*vcs.FALLBACK_IDENTITY),
        )  # fmt: skip
        vcs.git("tag", tag, cwd=self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers, so two scaffold runs never commit into the store at once."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as lock:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def _download_wheel(version: str, into: Path, role: str) -> Path:
    """The scaffold wheel of `version`, fetched with pip (which honours its index settings)."""
    why = (
        f"{role}, the template of scaffold {version}, is not in the local template store and "
        "could not be downloaded"
    )
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--only-binary=:all:", "--dest", str(into), f"scaffold=={version}",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TemplateError(f"{why} ({exc})") from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        detail = lines[-1].removeprefix("ERROR: ") if lines else f"pip exited {done.returncode}"
        raise TemplateError(
            f"{why} (pip: {detail}). Make scaffold=={version} downloadable here (a network "
            "connection, or its wheel in a directory named by PIP_FIND_LINKS), then run the "
            "update again"
        )
    wheels = sorted(into.glob("scaffold-*.whl"))
    if not wheels:
        raise TemplateError(f"{why} (pip downloaded no scaffold wheel)")
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
            raise TemplateError(f"{wheel.name} is not a scaffold wheel with a template")
        for name in members:
            target = into / name.removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
            if (archive.getinfo(name).external_attr >> 16) & stat.S_IXUSR:
                target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
