"""Plain copier's after-copy message and `scaffold new` give the same next steps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold.cli import cli

from ..conftest import CATALOG, READY, clean_environ


def steps_after_next(output: str) -> list[str]:
    """The lines after `Next:`, up to the first blank one."""
    lines = output.splitlines()
    start = lines.index("Next:") + 1
    steps = []
    for line in lines[start:]:
        if not line.strip():
            break
        steps.append(line)
    return steps


@pytest.mark.parametrize("framework", [framework.name for framework in READY])
def test_copier_and_scaffold_print_the_same_next_steps(
    framework: str,
    template_copy: Path,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_copier = subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--defaults", "-d", f"framework={framework}",
         str(template_copy), "myapp"],
        cwd=tmp_path, env=clean_environ(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    copier_steps = steps_after_next(by_copier.stderr)

    (tmp_path / "by-scaffold").mkdir()
    monkeypatch.chdir(tmp_path / "by-scaffold")
    result = CliRunner().invoke(
        cli, ["new", "myapp", "-y", "--no-git", "-f", framework, "--template", str(template_copy)]
    )
    assert result.exit_code == 0, result.output
    assert steps_after_next(result.stdout) == copier_steps

    assert copier_steps[:2] == ["  cd myapp", "  make install"]
    assert copier_steps[-1].startswith("  make dev ")
    migrates = "migrate" in CATALOG.framework(framework).make
    assert ("  make migrate" in copier_steps) == migrates
