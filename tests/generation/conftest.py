"""Rendering projects with copier's API from a copy of the template outside git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import copier
import pytest


def render(template: Path, destination: Path, **answers: Any) -> Path:
    """Render a project exactly as `copier copy --defaults -d ...` would; return its directory."""
    copier.run_copy(
        str(template), destination, data=answers, defaults=True, quiet=True, unsafe=False
    )
    return destination


@pytest.fixture
def project(template_copy: Path, tmp_path: Path):
    """A function rendering one project into this test's temporary directory."""

    def make(name: str = "myapp", **answers: Any) -> Path:
        return render(template_copy, tmp_path / name, **answers)

    return make
