"""The repository is itself a copier template: plain copier makes what `scaffold new` makes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO, clean_environ

TEMPLATE_FILES = ("copier.yml", "catalog.yml", "templates")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git clone of this repository, holding the template exactly as the checkout has it now."""
    root = tmp_path_factory.mktemp("clone") / "scaffold"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True)
    # Uncommitted template edits are part of what `scaffold new` renders from the checkout.
    for name in TEMPLATE_FILES:
        source, target = REPO / name, root / name
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    run = {
        "cwd": root,
        "check": True,
        "env": clean_environ(
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@t.t",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@t.t",
        ),
    }
    subprocess.run(["git", "add", "-A"], **run)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "working tree"], **run)
    return root


def tree(root: Path) -> dict[str, str]:
    """Every file of a generated project, with secrets and the template source masked."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            text = path.read_text()
            text = re.sub(r"(?m)^(SECRET_KEY=)\w+$", r"\1<secret>", text)
            text = re.sub(r"(?m)^(_src_path|_commit): .*$", r"\1: <source>", text)
            found[str(path.relative_to(root))] = text
    return found


@pytest.mark.parametrize(
    "options",
    [
        pytest.param([], id="defaults"),
        pytest.param(["auth", "api", "docker", "ci"], id="all-features"),
    ],
)
def test_plain_copier_gives_the_same_files_as_scaffold(
    clone: Path, tmp_path: Path, isolated_home: Path, options: list[str]
) -> None:
    environ = clean_environ()
    copier_data = ["-d", "framework=bottle"]
    scaffold_options = ["-f", "bottle"]
    if options:
        copier_data += ["-d", f"features=[{', '.join(options)}]"]
        scaffold_options += [arg for feature in options for arg in ("--feature", feature)]

    (tmp_path / "by-copier").mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            str(clone),
            "myapp",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            *copier_data,
        ],
        cwd=tmp_path / "by-copier",
        env=environ,
        check=True,
        capture_output=True,
    )
    (tmp_path / "by-scaffold").mkdir()
    subprocess.run(
        [sys.executable, "-m", "scaffold", "new", "myapp", "--defaults", *scaffold_options],
        cwd=tmp_path / "by-scaffold",
        env=environ,
        check=True,
        capture_output=True,
    )
    by_copier = tree(tmp_path / "by-copier" / "myapp")
    by_scaffold = tree(tmp_path / "by-scaffold" / "myapp")
    assert sorted(by_copier) == sorted(by_scaffold)
    assert by_copier == by_scaffold
    assert (tmp_path / "by-copier" / "myapp" / ".env").read_text() != (
        tmp_path / "by-scaffold" / "myapp" / ".env"
    ).read_text()
