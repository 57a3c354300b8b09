"""Answers reach the project literally, secrets stay out of the answers, and names derive alike."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from scaffold.spec import package_name_for

from ..conftest import CATALOG, READY

ODD_NAMES = [
    'Bob\'s "Quoted" App',
    "Ünïcödé Café",
    "{{ 7*7 }} and {% raw %}",
    "back\\slash & <angle> brackets",
]


def module_constants(path: Path) -> dict[str, object]:
    """The literals a module assigns to names at its top level, read without importing it (its
    framework need not be installed here)."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = ast.literal_eval(node.value)
    return found


@pytest.mark.parametrize("framework", [framework.name for framework in READY])
@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_answers_are_kept_literally_and_stay_lint_clean(
    project, name: str, framework: str
) -> None:
    description = f'About {name}: it\'s "fine".'
    root = project(
        framework=framework,
        project_name=name,
        package_name="odd_app",
        description=description,
        author_name=name,
        author_email="someone@example.com",
        features=["auth", "api"],
    )
    package = root / CATALOG.framework(framework).package_path("odd_app")
    constants = module_constants(package / "__init__.py")
    assert (constants["PROJECT_NAME"], constants["DESCRIPTION"]) == (name, description)
    metadata = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == description
    assert metadata["authors"] == [{"name": name, "email": "someone@example.com"}]
    assert f"# {name}" in (root / "README.md").read_text()
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text())
    assert (answers["project_name"], answers["description"]) == (name, description)
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=root, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    "name", ["myapp", "My Blog", "my-app-2", "--Weird__Name--", "Café Society", "x.y.z", "AB_cd"]
)
def test_copier_derives_the_package_name_as_scaffold_does(project, name: str) -> None:
    root = project("derived", framework="bottle", project_name=name)
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text())
    assert answers["package_name"] == package_name_for(name)


def test_the_project_name_defaults_to_the_destination_name(project) -> None:
    answers = yaml.safe_load(
        (project("shop-front", framework="bottle") / ".copier-answers.yml").read_text()
    )
    assert answers["project_name"] == "shop-front"
    assert answers["package_name"] == "shop_front"


def secret_of(root: Path) -> str:
    match = re.search(r"^SECRET_KEY=(\w+)$", (root / ".env").read_text(), re.MULTILINE)
    assert match, ".env has no SECRET_KEY"
    return match.group(1)


def test_each_project_gets_its_own_secret_outside_the_answers(project) -> None:
    first = project("first", framework="bottle", features=["auth"])
    second = project("second", framework="bottle", features=["auth"])
    secrets = [secret_of(first), secret_of(second)]
    assert all(re.fullmatch(r"[0-9a-f]{64}", secret) for secret in secrets)
    assert secrets[0] != secrets[1]
    for root, secret in zip((first, second), secrets, strict=True):
        assert secret not in (root / ".copier-answers.yml").read_text()
        assert "catalog" not in yaml.safe_load((root / ".copier-answers.yml").read_text())
        assert ".env\n" in (root / ".gitignore").read_text()
        assert "SECRET_KEY=\n" in (root / ".env.example").read_text()
