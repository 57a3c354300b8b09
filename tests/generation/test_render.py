"""Every combination renders into a project that is complete, valid and lint-clean as generated."""

from __future__ import annotations

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

from ..conftest import CATALOG, READY, REPO, Combination, as_params, every_combination

# Framework templates (Bottle .tpl, Django/Jinja2 .html, web2py views such as generic.json, ...)
# legitimately hold {{ }} and {% %}; icons are not text.
VERBATIM_SUFFIXES = {".tpl", ".html"}
BINARY_SUFFIXES = {".ico", ".png"}
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#|%\}|#\}")
COPIER_NAMES = re.compile(
    r"(\{\{|\{%)[^}]*\b(project_name|package_name|description|author_name|author_email|"
    r"framework|python_version|database|features|catalog|_copier_\w+)\b"
)
MAKE_TARGETS = ["help", "install", "upgrade", "dev", "serve", "test", "lint", "format"]


def verbatim(path: Path) -> bool:
    """Whether `path` is a framework's own template (or not text), where Jinja syntax belongs."""
    return path.suffix in VERBATIM_SUFFIXES | BINARY_SUFFIXES or "views" in path.parts


def files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and ".git" not in path.parts)


@pytest.mark.parametrize("combination", as_params(every_combination()))
def test_combination_renders_a_clean_project(
    copie, template_copy: Path, combination: Combination
) -> None:
    result = copie.copy(extra_answers=combination.answers, template_dir=template_copy)
    assert result.exit_code == 0, result.exception
    root = result.project_dir
    framework = CATALOG.framework(combination.framework)
    package = root / framework.package_path(result.answers["package_name"])
    generated = files(root)

    for path in generated:
        assert path.stat().st_size > 0, f"{path.relative_to(root)} is empty"
        if not verbatim(path.relative_to(root)):
            text = path.read_text()
            assert not LEFTOVER.search(text), f"unrendered Jinja in {path.relative_to(root)}"

    tomllib.loads((root / "pyproject.toml").read_text())
    for path in generated:
        if path.suffix in {".yml", ".yaml"}:
            assert yaml.safe_load(path.read_text()) is not None, path

    expected = {
        "Dockerfile": "docker" in combination.features,
        "compose.yaml": "docker" in combination.features,
        ".dockerignore": "docker" in combination.features,
        ".github/workflows/ci.yml": "ci" in combination.features,
    }
    for relative, present in expected.items():
        assert (root / relative).exists() == present, relative
    for name in (
        "README.md",
        "Makefile",
        ".env",
        ".env.example",
        ".gitignore",
        ".pre-commit-config.yaml",
    ):
        assert (root / name).is_file(), name
    assert (package / "__init__.py").is_file()

    lint = [sys.executable, "-m", "ruff"]
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = subprocess.run([*lint, *command], cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr

    # migrate and migration exist where the framework has them, and only with a database.
    framework = CATALOG.framework(combination.framework)
    database_targets = [name for name in ("migrate", "migration") if name in framework.make]
    targets = MAKE_TARGETS + (database_targets if combination.database != "none" else [])
    dry_run = subprocess.run(["make", "-n", *targets], cwd=root, capture_output=True, text=True)
    assert dry_run.returncode == 0, dry_run.stderr
    listed = subprocess.run(["make", "help"], cwd=root, capture_output=True, text=True).stdout
    assert sorted(line.split()[1] for line in listed.splitlines()) == sorted(targets)
    for name in set(database_targets) - set(targets):
        missing = subprocess.run(["make", "-n", name], cwd=root, capture_output=True, text=True)
        assert missing.returncode != 0, f"make {name} exists without a database"


@pytest.mark.parametrize("framework", [fw.name for fw in CATALOG.frameworks.values() if fw.ready])
def test_files_copied_verbatim_do_not_expect_copier_variables(framework: str) -> None:
    for path in (REPO / "templates" / framework).rglob("*"):
        if path.is_file() and path.suffix != ".jinja" and not verbatim(path):
            match = COPIER_NAMES.search(path.read_text())
            assert match is None, (
                f"{path} uses {match.group(2)} but is not rendered (no .jinja suffix)"
            )


@pytest.mark.parametrize("framework", [fw.name for fw in READY])
def test_make_install_and_upgrade_pass_the_extras_to_uv_and_to_pip(project, framework: str) -> None:
    root = project(framework=framework)
    python = CATALOG.framework(framework).python[0]
    for extras, uv_flags, pip_extras in (
        (None, "--extra dev", "dev"),
        ("dev postgres", "--extra dev --extra postgres", "dev,postgres"),
    ):
        given = [f"EXTRAS={extras}"] if extras else []
        install, upgrade = (
            subprocess.run(
                ["make", "-n", target, *given], cwd=root, capture_output=True, text=True, check=True
            ).stdout
            for target in ("install", "upgrade")
        )
        assert f'uv sync --python ">={python}' in install
        assert install.count(f" {uv_flags};") == 1
        assert f'pip install -e ".[{pip_extras}]"' in install
        assert f'uv lock --upgrade --python ">={python}' in upgrade
        assert f'pip install --upgrade --upgrade-strategy eager -e ".[{pip_extras}]"' in upgrade
