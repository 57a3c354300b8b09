"""The few git operations scaffold needs, run through the git command line."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from scaffold.errors import ScaffoldError

# An identity for commits when the user has configured none (git refuses to commit without one).
FALLBACK_IDENTITY = ("scaffold", "scaffold@localhost")


class GitError(ScaffoldError):
    """A git command failed."""


def available() -> bool:
    """Whether a git executable is on PATH."""
    return shutil.which("git") is not None


def git(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    """Run git in `cwd` and return its standard output; raise GitError with git's own message."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror}") from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        detail = lines[-1] if lines else f"exit status {done.returncode}"
        raise GitError(f"git {args[0]} failed in {cwd}: {detail}")
    return done.stdout


def config_value(key: str, cwd: Path) -> str | None:
    """A git configuration value as git sees it from `cwd`, or None when unset."""
    try:
        return git("config", "--get", key, cwd=cwd).strip() or None
    except GitError:
        return None


def inside_work_tree(path: Path) -> bool:
    """Whether `path` (an existing directory) lies inside a git work tree."""
    try:
        return git("rev-parse", "--is-inside-work-tree", cwd=path).strip() == "true"
    except GitError:
        return False


def identity(name: str, email: str) -> dict[str, str]:
    """The environment variables that make git author and commit as `name <email>`."""
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def identity_env(cwd: Path, name: str = "", email: str = "") -> dict[str, str]:
    """An identity for a commit in `cwd`, only when git has none configured there."""
    if config_value("user.name", cwd) and config_value("user.email", cwd):
        return {}
    return identity(name or FALLBACK_IDENTITY[0], email or FALLBACK_IDENTITY[1])


def init_and_commit(
    path: Path, message: str, *, name: str = "", email: str = "", leave_out: Iterable[str] = ()
) -> None:
    """Make `path` a new repository whose first commit holds everything in it but `leave_out`."""
    init = ["init", "-q"]
    if not config_value("init.defaultBranch", path):
        init.append("--initial-branch=main")
    git(*init, cwd=path)
    git("add", "-A", cwd=path)
    if paths := "\0".join(leave_out):
        git(
            "rm", "-r", "-q", "--cached", "--ignore-unmatch",
            "--pathspec-from-file=-", "--pathspec-file-nul",
            cwd=path, env={"GIT_LITERAL_PATHSPECS": "1"}, stdin=paths,
        )  # fmt: skip
    commit(path, message, name=name, email=email)


def commit(path: Path, message: str, *, name: str = "", email: str = "") -> None:
    """Commit what is staged, without hooks or signing (this commit is the tool's, not a review)."""
    git(
        "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message,
        cwd=path,
        env=identity_env(path, name, email),
    )  # fmt: skip


def is_dirty(path: Path) -> bool:
    """Whether the work tree holding `path` has uncommitted changes (untracked files included)."""
    return bool(git("status", "--porcelain", "--untracked-files=normal", cwd=path).strip())
