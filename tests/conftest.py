"""What the three test layers share: the repository, the catalog and the combinations to test."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from scaffold import catalog

REPO = Path(__file__).resolve().parents[1]
CATALOG = catalog.load(REPO / "catalog.yml")
READY = [framework for framework in CATALOG.frameworks.values() if framework.ready]
# Every framework is built: the refusal of one that is not is tested on a catalog that marks this one
# as not built yet.
UNBUILT = "dash"


def catalog_with_unbuilt(facts: catalog.Catalog = CATALOG) -> catalog.Catalog:
    """`facts` with the framework UNBUILT marked as not built yet."""
    framework = replace(facts.frameworks[UNBUILT], ready=False)
    return replace(facts, frameworks={**facts.frameworks, UNBUILT: framework})


@dataclass(frozen=True)
class Combination:
    """One framework, database and feature set: a project to generate."""

    framework: str
    database: str
    features: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """A readable test id, e.g. `bottle-sqlite-auth+api`."""
        return f"{self.framework}-{self.database}-{'+'.join(self.features) or 'nofeatures'}"

    @property
    def answers(self) -> dict[str, object]:
        """The copier data for this combination."""
        return {
            "framework": self.framework,
            "database": self.database,
            "features": list(self.features),
        }


def every_combination() -> list[Combination]:
    """Each ready framework with each database and every subset of the features it allows there."""
    found = []
    for framework in READY:
        for database, allowed in CATALOG.combinations(framework).items():
            for size in range(len(allowed) + 1):
                for features in itertools.combinations(allowed, size):
                    found.append(Combination(framework.name, database, features))
    return found


def typical_combinations() -> list[Combination]:
    """Each ready framework and database with no features, each feature alone, and all of them."""
    found: list[Combination] = []
    for framework in READY:
        for database, allowed in CATALOG.combinations(framework).items():
            sets = [(), *((feature,) for feature in allowed), tuple(allowed)]
            for features in dict.fromkeys(sets):
                found.append(Combination(framework.name, database, features))
    return found


def as_params(combinations: list[Combination]) -> list[object]:
    """Combinations as pytest parameters with readable ids.

    Tests of one combination form an xdist group: they run in the same worker, one after the
    other, so that they can share the combination's installed project.
    """
    return [
        pytest.param(combination, id=combination.id, marks=pytest.mark.xdist_group(combination.id))
        for combination in combinations
    ]


@pytest.fixture(scope="session")
def template_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's files outside git: copier renders such a directory directly, fast."""
    root = tmp_path_factory.mktemp("template")
    for name in ("copier.yml", "catalog.yml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(
        REPO / "templates", root / "templates", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


@pytest.fixture
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private data directory (outside the test's tmp_path), and a git identity for commits."""
    home = tmp_path_factory.mktemp("scaffold-data")
    monkeypatch.setenv("SCAFFOLD_DATA_DIR", str(home))
    set_git_identity(monkeypatch)
    yield home


def set_git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A git author and committer for the commits scaffold makes."""
    for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(variable, "Test Author")
    for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(variable, "test@example.com")


def listing(directory: Path) -> list[str]:
    """Every path below `directory` (hidden ones too), for comparing a tree before and after."""
    if not directory.exists():
        return []
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


def clean_environ(**overrides: str) -> dict[str, str]:
    """os.environ without the variables of an active virtual environment, plus `overrides`."""
    environ = {
        key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONHOME"}
    }
    environ.update(overrides)
    return environ
