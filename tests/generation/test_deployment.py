"""What a deployment reads from a generated project: its variables, image, compose file and CI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ..conftest import (
    CATALOG,
    REPO,
    Combination,
    as_params,
    every_combination,
    typical_combinations,
)
from .conftest import render

# catalog.yml as data: what scaffold.catalog does not read (the uv that images and CI install).
CATALOG_DATA = yaml.safe_load((REPO / "catalog.yml").read_text())["catalog"]["default"]

# The newest PostgreSQL major release that compose.yaml and the CI workflow run.
POSTGRES_MAJOR = "18"
# An assignment in an environment file, or one shown commented out (`# NAME=example`).
ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# Files that document or set variables rather than read them.
NOT_READERS = {".env", ".env.example", "README.md", ".copier-answers.yml"}


@pytest.fixture(scope="module")
def project(template_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """A function rendering a project, once for each set of answers in this module."""
    rendered: dict[str, Path] = {}

    def make(**answers: object) -> Path:
        key = json.dumps(answers, sort_keys=True)
        if key not in rendered:
            rendered[key] = render(
                template_copy, tmp_path_factory.mktemp("project") / "myapp", **answers
            )
        return rendered[key]

    return make


def keys(path: Path) -> list[str]:
    """The variables an environment file sets or shows, in order, repeats included."""
    return ASSIGNMENT.findall(path.read_text())


def readers(root: Path) -> str:
    """The text of every file of the project that may read a variable."""
    return "\n".join(
        # Binary files (an icon) read no variable: their bytes are skipped, not decoded.
        path.read_text(errors="ignore")
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in NOT_READERS and ".git" not in path.parts
    )


def typical(feature: str | None = None, database: str | None = None) -> list[object]:
    """The typical combinations, those with `feature` and `database` only when given."""
    return as_params(
        [
            combination
            for combination in typical_combinations()
            if (feature is None or feature in combination.features)
            and (database is None or combination.database == database)
        ]
    )


@pytest.mark.parametrize("combination", as_params(every_combination()))
def test_env_files_name_each_variable_once_and_only_ones_the_project_reads(
    project, combination: Combination
) -> None:
    root = project(**combination.answers)
    code = readers(root)
    documented = keys(root / ".env.example")
    for name in (".env", ".env.example"):
        found = keys(root / name)
        repeated = sorted({key for key in found if found.count(key) > 1})
        assert repeated == [], f"{name} sets {repeated} more than once"
        unread = [key for key in found if not re.search(rf"\b{key}\b", code)]
        assert unread == [], f"{name} names {unread}, which nothing in the project reads"
    assert set(keys(root / ".env")) <= set(documented), ".env sets what .env.example omits"
    for needed in ("HOST", "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        assert needed in documented, needed


@pytest.mark.parametrize("combination", typical())
def test_readme_documents_the_proxy_and_the_processes(project, combination: Combination) -> None:
    readme = (project(**combination.answers) / "README.md").read_text()
    assert "FORWARDED_ALLOW_IPS" in readme
    assert "WEB_CONCURRENCY" in readme
    assert "pre-commit install" in readme


@pytest.mark.parametrize("combination", typical())
def test_the_pre_commit_hooks_run_the_ruff_of_the_dev_extra(
    project, combination: Combination
) -> None:
    root = project(**combination.answers)
    dev = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    requirements = dict(re.match(r"([\w-]+)(.*)", item).groups() for item in dev["dev"])
    assert "pre-commit" in requirements
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"]
    (ruff,) = [repo for repo in hooks if repo["repo"].endswith("/ruff-pre-commit")]
    assert ruff["rev"].lstrip("v") in SpecifierSet(requirements["ruff"])


@pytest.mark.parametrize("combination", typical("docker"))
def test_the_image_installs_dependencies_first_on_the_newest_tested_python(
    project, combination: Combination
) -> None:
    oldest = CATALOG.framework(combination.framework).python[0]
    newest = CATALOG.framework(combination.framework).python[-1]
    root = project(**combination.answers, python_version=oldest)
    dockerfile = (root / "Dockerfile").read_text()
    assert re.search(rf"^ARG PYTHON_VERSION={re.escape(newest)}$", dockerfile, re.MULTILINE)
    lines = [line.strip() for line in dockerfile.splitlines()]
    # The dependencies come from pyproject.toml and, when there is one, uv.lock alone.
    dependencies = lines.index("COPY pyproject.toml uv.lock* ./")
    code = lines.index("COPY . .")
    installs = [n for n, line in enumerate(lines) if re.search(r"uv (sync|pip install)", line)]
    assert len(installs) == 2, "no locked and unlocked installs of the dependencies"
    assert all(dependencies < n < code for n in installs), "the code is copied before installing"
    locked = lines[installs[0]]
    assert "--locked" in locked and "--no-install-project" in locked, "not exactly the lock"
    assert "--extra" not in locked, "dev tools in the image"
    assert "--requirements pyproject.toml" in lines[installs[1]], "the project itself is installed"
    # uv itself comes from pip, at the version the catalog names, and keeps a cache between builds.
    assert f"ARG UV_VERSION={CATALOG_DATA['uv']}" in lines
    assert lines.index('RUN pip install "uv==${UV_VERSION}"') < dependencies
    assert "RUN --mount=type=cache,target=/root/.cache/uv \\" in lines
    ignored = (root / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git", "tests"} <= set(ignored)


@pytest.mark.parametrize("combination", typical("docker"))
def test_compose_names_the_trusted_proxies(project, combination: Combination) -> None:
    compose = yaml.safe_load((project(**combination.answers) / "compose.yaml").read_text())
    assert "FORWARDED_ALLOW_IPS" in compose["services"]["web"]["environment"]


@pytest.mark.parametrize("combination", typical("docker", database="postgresql"))
def test_compose_runs_current_postgresql_reachable_for_make_dev(
    project, combination: Combination
) -> None:
    root = project(**combination.answers)
    database = yaml.safe_load((root / "compose.yaml").read_text())["services"]["db"]
    assert database["image"] == f"postgres:{POSTGRES_MAJOR}"
    assert any(port.startswith("127.0.0.1:") for port in database["ports"])
    # From PostgreSQL 18 on, the images keep their data below /var/lib/postgresql/<major>.
    assert "pgdata:/var/lib/postgresql" in database["volumes"]
    assert "docker compose up -d db" in (root / "README.md").read_text()


@pytest.mark.parametrize("combination", typical("ci"))
def test_ci_lints_once_and_limits_and_groups_its_runs(project, combination: Combination) -> None:
    root = project(**combination.answers)
    workflow = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text())
    # YAML reads the key `on` as True.
    assert workflow[True] == {"push": None, "pull_request": None}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    jobs = workflow["jobs"]
    for name, job in jobs.items():
        assert job.get("timeout-minutes"), f"job {name} has no time limit"
    linting = [name for name, job in jobs.items() if "make lint" in str(job["steps"])]
    assert linting == ["lint"]
    assert "strategy" not in jobs["lint"]
    services = [job.get("services", {}) for job in jobs.values()]
    for service in (s["postgres"] for s in services if "postgres" in s):
        assert service["image"] == f"postgres:{POSTGRES_MAJOR}"


@pytest.mark.parametrize("combination", typical("ci"))
def test_ci_installs_every_job_from_the_lock_with_the_catalogs_uv(
    project, combination: Combination
) -> None:
    root = project(**combination.answers)
    workflow = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text())
    for name in ("lint", "test"):
        steps = workflow["jobs"][name]["steps"]
        [setup] = [step for step in steps if step.get("uses", "").startswith("astral-sh/setup-uv@")]
        assert setup["with"]["version"] == CATALOG_DATA["uv"]
        # setup-uv publishes no major tags from v8 on: a full version, which exists.
        assert re.fullmatch(r"astral-sh/setup-uv@v\d+\.\d+\.\d+", setup["uses"])
        [install] = [step for step in steps if step.get("name", "").startswith("Install")]
        script = install["run"]
        assert "uv lock --check ||" in script and "::error file=uv.lock::" in script
        assert "uv sync --locked --extra dev" in script
        assert ".venv/bin" in script and "GITHUB_PATH" in script
        assert steps.index(setup) < steps.index(install)
        assert "pip install" not in str(steps)


@pytest.mark.parametrize("combination", typical("docker"))
def test_ci_starts_the_image_with_production_settings_alone(
    project, combination: Combination
) -> None:
    root = project(**combination.answers | {"features": [*combination.features, "ci"]})
    workflow = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text())
    script = "\n".join(step.get("run", "") for step in workflow["jobs"]["docker"]["steps"])
    assert "docker build" in script
    assert "docker run" in script
    assert f"--env {CATALOG.framework(combination.framework).secret}=" in script
    assert '["Health"]["Status"]' in script
    assert ".env" not in script.replace("--env", "")
