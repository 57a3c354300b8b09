"""Template versions and owner edits for the update tests (git and wheel alike).

`release_next_version` changes the template in a checkout-shaped directory; `owner_edits` edits a
generated project so that one edit overlaps the template's change and the others do not;
`assert_merged` checks the result of an update that brought both together.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from .conftest import clean_environ

CONFLICT_START = "<<<<<<< before updating"


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, env=clean_environ()
    ).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def release_next_version(repo: Path, tag: str | None = "v1.1.0") -> None:
    """Template 1.1.0: new README heading, a new docstring in routes.py, a new file, a Makefile tweak."""
    edit(repo / "templates" / "_shared" / "README.md.jinja", "## Quick start", "## Getting started")
    routes = repo / "templates" / "bottle" / "{{ package_name }}" / "routes.py.jinja"
    edit(routes, '"""The pages: home', '"""Every page of the site: home')
    edit(
        repo / "templates" / "_shared" / "Makefile.jinja",
        "## Run the tests",
        "## Run the whole test suite",
    )
    (repo / "templates" / "bottle" / "CHANGELOG.md").write_text("# Changelog\n\n- 1.1.0\n")
    if tag:
        commit_all(repo, f"Template {tag}")
        git(repo, "tag", tag)


def owner_edits(project: Path) -> None:
    """Edits of the project's owner: one overlaps the template's change, the others do not."""
    edit(project / "README.md", "## Quick start", "## Start here")
    routes = project / "myapp" / "routes.py"
    routes.write_text(
        routes.read_text() + '\n\ndef about() -> str:\n    """About us."""\n    return "about"\n'
    )
    (project / "notes").mkdir()
    (project / "notes" / "todo.txt").write_text("ship it\n")
    (project / ".editorconfig").unlink()
    commit_all(project, "Owner's edits")


def assert_merged(project: Path, env_before: str, version: str = "v1.1.0") -> None:
    """The template's change of release_next_version merged with owner_edits, nothing lost."""
    readme = (project / "README.md").read_text()
    assert CONFLICT_START in readme and ">>>>>>> after updating" in readme
    assert "## Start here" in readme and "## Getting started" in readme
    routes = (project / "myapp" / "routes.py").read_text()
    assert routes.startswith('"""Every page of the site: home')
    assert 'def about() -> str:\n    """About us."""' in routes
    assert CONFLICT_START not in routes
    assert "## Run the whole test suite" in (project / "Makefile").read_text()
    assert (project / "CHANGELOG.md").read_text().startswith("# Changelog")
    assert (project / "notes" / "todo.txt").read_text() == "ship it\n"
    assert not (project / ".editorconfig").exists()
    assert not list(project.rglob("*.rej"))
    assert (project / ".env").read_text() == env_before
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == version
    secret = re.search(r"SECRET_KEY=(\w+)", env_before).group(1)
    assert secret not in (project / ".copier-answers.yml").read_text()
