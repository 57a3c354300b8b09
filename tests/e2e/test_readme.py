"""The README's first command works as written: install scaffold from the checkout, make a project."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from scaffold import fingerprint

from ..conftest import REPO, clean_environ
from .conftest import checkout_copy

pytestmark = pytest.mark.e2e


def readme_command(marker: str) -> str:
    return next(line for line in (REPO / "README.md").read_text().splitlines() if marker in line)


def test_the_readme_generate_command_works_from_a_fresh_copy(tmp_path: Path) -> None:
    checkout = checkout_copy(tmp_path / "scaffold")
    command = readme_command("pip install . && scaffold new")
    data = tmp_path / "data"
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=checkout,
        env=clean_environ(SCAFFOLD_DATA_DIR=str(data), PIP_DISABLE_PIP_VERSION_CHECK="1"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    project = tmp_path / "myapp"
    assert (project / "pyproject.toml").is_file()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    # Installed from a wheel, scaffold renders from its template store, which copier can update from.
    assert answers["_src_path"] == str(data / "templates")
    # The store's tag names the version and the template's content hash, which the wheel recorded.
    assert re.fullmatch(r"v\d+\.\d+\.\d+\+[0-9a-f]{12}", answers["_commit"])
    assert answers["_commit"].endswith(f"+{fingerprint.compute(checkout)}")
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True
    )
    assert len(log.stdout.splitlines()) == 1
