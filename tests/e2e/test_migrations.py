"""Schema migrations, for real: a model change gets a migration with the documented command.

Every framework with migration files is generated, migrated, given a new column on its example
model and checked: its tests fail until `make migration m="..."` writes the migration, then
`make migrate` applies it and the tests and the linters pass again. The frameworks that migrate
with Alembic run this on PostgreSQL too, and must refuse to serve a database that was never
migrated, with one line that says what to do.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from ..conftest import CATALOG, READY, Combination, as_params, clean_environ
from .conftest import database_environment, fetch, free_port, generate, install, run, serving

pytestmark = pytest.mark.e2e

MESSAGE = 'Add a "due" date to notes'
# Alembic's slug of MESSAGE, Django's migration name for it, and Emmett's file name.
NEW_FILE = "add_a_due_date_to_notes.py"


def uses_alembic(framework: str) -> bool:
    """Whether the framework's projects migrate with Alembic (as its `make migrate` says)."""
    return CATALOG.framework(framework).make.get("migrate", "").startswith("alembic ")


ALEMBIC = [framework.name for framework in READY if uses_alembic(framework.name)]
WRITERS = [framework for framework in READY if "migration" in framework.make]


def migration_cases() -> list[Combination]:
    """Each framework that writes migration files; the Alembic ones on each of their databases."""
    cases = []
    for framework in WRITERS:
        combinations = CATALOG.combinations(framework)
        databases = [db for db in combinations if db != "none"]
        for database in databases if uses_alembic(framework.name) else databases[:1]:
            cases.append(Combination(framework.name, database, combinations[database]))
    return cases


# Where each framework's example model is, the line to add a column after, and that column.
ALEMBIC_EDIT = (
    "{package}/models.py",
    '    body: Mapped[str] = mapped_column(Text, default="")\n',
    "    due: Mapped[str | None] = mapped_column(String(20))\n",
)
EDITS = {
    "django": (
        "{package}/notes/models.py",
        "    body = models.TextField(blank=True)\n",
        '    due = models.CharField(max_length=20, blank=True, default="")\n',
    ),
    "emmett": (
        "{package}/models/note.py",
        "    body = Field.text()\n",
        "    due = Field.string(length=20)\n",
    ),
}


def add_a_column(root: Path, framework: str) -> None:
    """Give the example model a `due` column, as a developer would."""
    relative, anchor, column = ALEMBIC_EDIT if uses_alembic(framework) else EDITS[framework]
    model = root / relative.format(package="shop_front")
    text = model.read_text()
    assert text.count(anchor) == 1, f"{model} changed: update this test's edit"
    model.write_text(text.replace(anchor, anchor + column))


def project_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*.py") if ".venv" not in path.parts}


def make(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", *args], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.mark.parametrize("combination", as_params(migration_cases()))
def test_a_model_change_gets_a_migration_with_make_migration(
    combination: Combination,
    template_copy: Path,
    tmp_path: Path,
    isolated_home: Path,
    request: pytest.FixtureRequest,
) -> None:
    root = generate(combination, tmp_path, template_copy)
    install(root)
    env = clean_environ(**database_environment(combination, request))
    run(["make", "migrate"], root, env)

    unnamed = make(root, env, "migration")
    assert unnamed.returncode != 0
    assert 'make migration m="' in unnamed.stderr, unnamed.stderr
    if uses_alembic(combination.framework):
        before = project_files(root)
        unchanged = run(["make", "migration", "m=Nothing"], root, env)
        assert "no new migration written" in unchanged, unchanged
        assert project_files(root) == before

    add_a_column(root, combination.framework)
    failing = make(root, env, "test")
    assert failing.returncode != 0, failing.stdout
    assert 'The models changed without a migration: run `make migration m="..."`' in failing.stdout

    before = project_files(root)
    run(["make", "migration", f"m={MESSAGE}"], root, env)
    (written,) = project_files(root) - before
    assert written.name.endswith(NEW_FILE), written
    assert "due" in written.read_text()
    run(["make", "migrate"], root, env)
    tests = run(["make", "test"], root, env)
    assert " passed" in tests and "failed" not in tests, tests
    run(["make", "lint"], root, env)


def start_without_migrating(root: Path, target: str) -> tuple[int, str]:
    """Run `make <target>` on a database nobody migrated; its exit status and its output."""
    process = subprocess.Popen(
        ["make", target, f"PORT={free_port()}"],
        cwd=root,
        env=clean_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"`make {target}` served an unmigrated database:\n{output}")
    return process.returncode, output


@pytest.mark.parametrize("framework", ALEMBIC)
def test_an_unmigrated_database_stops_the_servers_with_one_line(
    framework: str, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    root = generate(Combination(framework, "sqlite", ("auth",)), tmp_path, template_copy)
    install(root)
    for target in ("serve", "dev"):
        status, output = start_without_migrating(root, target)
        assert status != 0, output
        assert "Traceback" not in output, output
        [line] = [line for line in output.splitlines() if "make migrate" in line]
        assert line.startswith("Cannot start: "), output
    run(["make", "migrate"], root)
    with serving(root, "serve", clean_environ()) as server:
        assert fetch(server.url + "/health").status == 200
