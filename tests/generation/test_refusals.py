"""Plain copier refuses exactly the requests scaffold refuses, with a message that says why."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import copier
import pytest

from scaffold import catalog
from scaffold.errors import UsageError
from scaffold.spec import build_request

from ..conftest import CATALOG, UNBUILT, catalog_with_unbuilt


def copier_refusal(template: Path, destination: Path, answers: dict) -> str | None:
    """The message copier refuses `answers` with, or None when it accepts them (nothing is written)."""
    try:
        copier.run_copy(
            str(template), destination, data=answers, defaults=True, quiet=True, pretend=True
        )
    except ValueError as exc:
        return str(exc)
    return None


def scaffold_refusal(answers: dict, facts: catalog.Catalog = CATALOG) -> str | None:
    data = [f"{key}={value}" for key, value in answers.items() if key != "features"]
    try:
        build_request(
            facts,
            "myapp",
            output_dir=Path("/nowhere"),
            features=answers.get("features", []),
            data=data,
        )
    except UsageError as exc:
        return str(exc)
    return None


def requests() -> list[object]:
    found = []
    for framework in CATALOG.frameworks.values():
        found.append(pytest.param({"framework": framework.name}, id=f"{framework.name}"))
        for database in CATALOG.databases:
            for feature in CATALOG.features:
                answers = {"framework": framework.name, "database": database, "features": [feature]}
                found.append(pytest.param(answers, id=f"{framework.name}-{database}-{feature}"))
    for version in ("3.8", "3.11", "3.14"):
        found.append(
            pytest.param({"framework": "bottle", "python_version": version}, id=f"python{version}")
        )
    for name in ("os", "class", "tests", "sqlalchemy", "Bad-Name", "ok_name"):
        found.append(
            pytest.param({"framework": "bottle", "package_name": name}, id=f"package-{name}")
        )
    for email in ("", "a@b.io", "nobody"):
        found.append(
            pytest.param({"framework": "bottle", "author_email": email}, id=f"email-{email}")
        )
    return found


@pytest.mark.parametrize("answers", requests())
def test_copier_and_scaffold_agree(template_copy: Path, tmp_path: Path, answers: dict) -> None:
    by_copier = copier_refusal(template_copy, tmp_path / "myapp", answers)
    by_scaffold = scaffold_refusal(answers)
    assert (by_copier is None) == (by_scaffold is None), (by_copier, by_scaffold)
    assert not (tmp_path / "myapp").exists()


def test_copier_explains_an_unsupported_combination(template_copy: Path, tmp_path: Path) -> None:
    answers = {"framework": "bottle", "database": "none", "features": ["auth"]}
    assert "auth needs a database" in copier_refusal(template_copy, tmp_path / "x", answers)
    answers = {"framework": "django", "database": "none"}
    assert "Django projects need a database" in copier_refusal(
        template_copy, tmp_path / "x", answers
    )


def test_both_refuse_a_framework_not_built_yet(template_copy: Path, tmp_path: Path) -> None:
    template = tmp_path / "template"
    template.mkdir()
    shutil.copy2(template_copy / "copier.yml", template / "copier.yml")
    text = (template_copy / "catalog.yml").read_text()
    unbuilt, count = re.subn(
        rf"(\n      {UNBUILT}:\n(?:        .*\n)*?        ready: )true", r"\1false", text
    )
    assert count == 1
    (template / "catalog.yml").write_text(unbuilt)
    label = CATALOG.frameworks[UNBUILT].label
    answers = {"framework": UNBUILT}
    assert f"{label} is not built yet" in copier_refusal(template, tmp_path / "x", answers)
    assert f"{label} is not built yet" in scaffold_refusal(answers, catalog_with_unbuilt())
    assert not (tmp_path / "x").exists()
