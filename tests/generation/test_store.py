"""An installed scaffold renders the template it carries, even when a build of the same version
with another template came before it: the template store keys templates by content.

The packaged template is a copy of this repository's, as a wheel holds it; the second build
changes it without changing the version (as `pip install .` of newer commits does).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scaffold import __version__, fingerprint, source
from scaffold.cli import cli

from ..conftest import clean_environ
from ..versions import assert_merged, owner_edits, release_next_version


@pytest.fixture
def packaged(
    template_copy: Path, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """This scaffold as an installed wheel: its template packaged, no checkout in sight."""
    root = tmp_path / "packaged"
    shutil.copytree(template_copy, root)
    monkeypatch.setattr(source, "PACKAGED_ROOT", root)
    return root


def new(where: Path, name: str) -> Path:
    result = CliRunner().invoke(cli, ["new", name, "-y", "-f", "bottle", "-o", str(where)])
    assert result.exit_code == 0, result.output
    return where / name


def recorded(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def test_each_build_of_a_version_renders_and_updates_to_its_own_template(
    packaged: Path, tmp_path: Path, isolated_home: Path
) -> None:
    first_tag = f"v{__version__}+{fingerprint.compute(packaged)}"
    first = new(tmp_path, "myapp")
    assert recorded(first)["_src_path"] == str(isolated_home / "templates")
    assert recorded(first)["_commit"] == first_tag
    env_before = (first / ".env").read_text()
    owner_edits(first)

    # The next build: the same version number, another template.
    release_next_version(packaged, tag=None)
    second_tag = f"v{__version__}+{fingerprint.compute(packaged)}"
    assert second_tag != first_tag
    second = new(tmp_path / "later", "myapp")
    assert recorded(second)["_commit"] == second_tag
    assert (second / "CHANGELOG.md").is_file()
    assert "## Getting started" in (second / "README.md").read_text()

    check = CliRunner().invoke(cli, ["update", str(first), "--check"])
    assert check.exit_code == 1, check.output
    assert f"(template {first_tag}; the latest is {second_tag})" in check.stdout
    result = CliRunner().invoke(cli, ["update", str(first)])
    assert result.exit_code == 0, result.output
    assert_merged(first, env_before, version=second_tag)


def test_plain_copier_updates_between_two_builds_of_a_version(
    packaged: Path, tmp_path: Path, isolated_home: Path
) -> None:
    project = new(tmp_path, "myapp")
    env_before = (project / ".env").read_text()
    owner_edits(project)
    release_next_version(packaged, tag=None)
    version = CliRunner().invoke(cli, ["--version"])
    second_tag = f"v{__version__}+{fingerprint.compute(packaged)}"
    assert version.output == f"scaffold {__version__} (template {fingerprint.compute(packaged)})\n"
    new(tmp_path / "later", "other")  # puts the second build's template into the store
    done = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--vcs-ref", second_tag],
        cwd=project, env=clean_environ(), capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_merged(project, env_before, version=second_tag)
