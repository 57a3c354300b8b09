"""Projects stay alive: `copier update`, `scaffold update`, `scaffold add` and `scaffold remove`.

The template versions are built here, in temporary git repositories: version 1.0.0 is the
template as it is, version 1.1.0 changes some files the project's owner also edits.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold.cli import cli

from ..conftest import CATALOG, READY, clean_environ
from ..versions import assert_merged, commit_all, git, owner_edits, release_next_version


@pytest.fixture
def template_repo(template_copy: Path, tmp_path: Path, isolated_home: Path) -> Path:
    """The template in a git repository, tagged v1.0.0."""
    repo = tmp_path / "template"
    shutil.copytree(template_copy, repo)
    git(repo, "init", "-q")
    commit_all(repo, "Template 1.0.0")
    git(repo, "tag", "v1.0.0")
    return repo


def make_project(repo: Path, where: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        cli,
        [
            "new",
            "myapp",
            "-y",
            "-o",
            str(where),
            "--template",
            str(repo),
            "--vcs-ref",
            "v1.0.0",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    return where / "myapp"


@pytest.fixture
def edited(template_repo: Path, tmp_path: Path) -> tuple[Path, str]:
    """A project made at v1.0.0 and edited by its owner, once v1.1.0 is out; and its .env."""
    project = make_project(template_repo, tmp_path)
    env_before = (project / ".env").read_text()
    owner_edits(project)
    release_next_version(template_repo)
    return project, env_before


def test_plain_copier_update_merges_and_keeps_every_edit(edited: tuple[Path, str]) -> None:
    project, env_before = edited
    done = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults"],
        cwd=project,
        capture_output=True,
        text=True,
        env=clean_environ(),
    )
    assert done.returncode == 0, done.stderr
    assert_merged(project, env_before)


def test_scaffold_update_merges_keeps_every_edit_and_reports_each_file(
    edited: tuple[Path, str],
) -> None:
    project, env_before = edited
    result = CliRunner().invoke(cli, ["update", str(project)])
    assert result.exit_code == 0, result.output
    assert_merged(project, env_before)
    lines = result.stdout.splitlines()
    assert "Updated" in lines[0] and "v1.0.0 to v1.1.0" in lines[0]
    assert "  conflict  README.md" in lines
    assert "  added     CHANGELOG.md" in lines
    assert "  changed   Makefile" in lines
    assert "  changed   myapp/routes.py" in lines
    assert "Resolve the conflicts" in result.stdout


def test_pretend_prints_the_plan_and_writes_nothing(edited: tuple[Path, str]) -> None:
    project, _ = edited
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    result = CliRunner().invoke(cli, ["update", str(project), "--pretend"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Would update")
    assert "  conflict  README.md" in result.stdout
    assert "  added     CHANGELOG.md" in result.stdout
    assert "Nothing was written (--pretend)." in result.stdout
    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before


def test_an_interrupted_update_leaves_the_project_as_it_was(
    edited: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    project, _ = edited
    before = {
        path: path.read_bytes()
        for path in project.rglob("*")
        if ".git" not in path.parts and path.is_file()
    }

    def interrupted(dst_path, **_options):
        (Path(dst_path) / "README.md").write_text("half-updated\n")
        (Path(dst_path) / "NEW.md").write_text("new\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_update", interrupted)
    result = CliRunner().invoke(cli, ["update", str(project)])
    assert result.exit_code == 130
    assert result.stderr == "Error: interrupted; the project was put back as it was\n"
    after = {
        path: path.read_bytes()
        for path in project.rglob("*")
        if ".git" not in path.parts and path.is_file()
    }
    assert after == before
    assert git(project, "status", "--porcelain") == ""


def test_check_exits_1_with_the_plan_when_behind_and_0_when_up_to_date(
    edited: tuple[Path, str],
) -> None:
    project, _ = edited
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    behind = CliRunner().invoke(cli, ["update", str(project), "--check"])
    assert behind.exit_code == 1, behind.output
    lines = behind.stdout.splitlines()
    assert lines[0].startswith(f"{project} is behind (template v1.0.0; the latest is v1.1.0)")
    assert "  conflict  README.md" in lines
    assert "  added     CHANGELOG.md" in lines
    assert behind.stderr == ""
    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before

    updated = CliRunner().invoke(cli, ["update", str(project)])
    assert updated.exit_code == 0, updated.output
    (project / "README.md").write_text("## Resolved\n")
    commit_all(project, "Update to v1.1.0")
    current = CliRunner().invoke(cli, ["update", str(project), "--check"])
    assert current.exit_code == 0, current.output
    assert current.stdout == f"{project} is up to date (template v1.1.0).\n"


def test_update_refuses_uncommitted_changes(template_repo: Path, tmp_path: Path) -> None:
    project = make_project(template_repo, tmp_path)
    release_next_version(template_repo)
    (project / "README.md").write_text("half-done work\n")
    result = CliRunner().invoke(cli, ["update", str(project)])
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "uncommitted changes" in line
    assert (project / "README.md").read_text() == "half-done work\n"


def test_update_refuses_to_change_the_framework(template_repo: Path, tmp_path: Path) -> None:
    project = make_project(template_repo, tmp_path)
    result = CliRunner().invoke(cli, ["update", str(project), "-d", "framework=django"])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "cannot change its framework" in line


def test_update_needs_a_generated_project_in_git(tmp_path: Path, template_repo: Path) -> None:
    result = CliRunner().invoke(cli, ["update", str(tmp_path)])
    assert result.exit_code == 1
    assert "no .copier-answers.yml" in result.stderr
    project = make_project(template_repo, tmp_path, "--no-git")
    result = CliRunner().invoke(cli, ["update", str(project)])
    assert result.exit_code == 1
    assert "not in a git repository" in result.stderr


# The variables that hold each framework's generated secret (SECRET_KEY, DJANGO_SECRET_KEY, ...).
SECRET_NAMES = "|".join(sorted({framework.secret for framework in READY if framework.secret}))
SECRET = re.compile(rf"(?m)^({SECRET_NAMES})=\w+$")


def tree(root: Path) -> dict[str, str]:
    """Every file but git's, with the secret masked (binary files, such as icons, in hex)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            data = path.read_bytes()
            try:
                files[str(path.relative_to(root))] = SECRET.sub(r"\1=<secret>", data.decode())
            except UnicodeDecodeError:
                files[str(path.relative_to(root))] = data.hex()
    return files


def feature_cases() -> list[object]:
    cases = []
    for framework in READY:
        database = framework.default_database
        for feature in CATALOG.combinations(framework)[database]:
            cases.append(
                pytest.param(framework.name, database, feature, id=f"{framework.name}-{feature}")
            )
    return cases


@pytest.mark.parametrize(("framework", "database", "feature"), feature_cases())
def test_adding_a_feature_equals_choosing_it_and_removing_it_undoes_it(
    template_repo: Path, tmp_path: Path, framework: str, database: str, feature: str
) -> None:
    options = ["-f", framework, "--database", database]
    without = make_project(template_repo, tmp_path / "without", *options)
    with_feature = make_project(template_repo, tmp_path / "with", *options, "--feature", feature)
    changed = make_project(template_repo, tmp_path / "changed", *options)
    env_before = (changed / ".env").read_text()

    added = CliRunner().invoke(cli, ["add", feature, str(changed)])
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith(f"Added {feature} to")
    assert tree(changed) == tree(with_feature)
    assert (changed / ".env").read_text() == env_before

    commit_all(changed, f"Add {feature}")
    removed = CliRunner().invoke(cli, ["remove", feature, str(changed)])
    assert removed.exit_code == 0, removed.output
    assert tree(changed) == tree(without)
    assert (changed / ".env").read_text() == env_before


def test_adding_what_cannot_be_added_is_refused(template_repo: Path, tmp_path: Path) -> None:
    project = make_project(template_repo, tmp_path, "--database", "none", "--feature", "docker")
    for args, message in [
        (["add", "auth"], "needs a database"),
        (["add", "docker"], "already has the feature 'docker'"),
        (["remove", "ci"], "does not have the feature 'ci'"),
        (["add", "graphql"], "unknown feature 'graphql'"),
    ]:
        result = CliRunner().invoke(cli, [*args, str(project)])
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert message in line
    assert git(project, "status", "--porcelain") == ""


# A project's own lock file: no template writes it, so no update merges it.
LOCK = "version = 1\n# the owner's lock\n"


@pytest.fixture
def locked(template_repo: Path, tmp_path: Path) -> Path:
    """A Bottle project (v1.0.0, no features) whose owner committed a uv.lock."""
    project = make_project(template_repo, tmp_path)
    (project / "uv.lock").write_text(LOCK)
    commit_all(project, "Lock the dependencies")
    return project


def tools_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, uv: bool) -> Path:
    """A PATH of git alone, with a stand-in uv that logs its runs and re-locks when asked; the log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    log = tmp_path / "uv.log"
    if uv:
        (bin_dir / "uv").write_text(
            f'#!/bin/sh\necho "$*" >> {log}\n'
            'if [ "$1" = lock ]; then echo "# re-locked" >> uv.lock; fi\n'
        )
        (bin_dir / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return log


def test_a_feature_that_adds_dependencies_relocks_a_locked_project(
    locked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tools_on_path(tmp_path, monkeypatch, uv=True)
    pretend = CliRunner().invoke(cli, ["add", "auth", str(locked), "--pretend"])
    assert pretend.exit_code == 0, pretend.output
    assert (
        "Note: pyproject.toml would change: uv.lock would then be brought in step with it."
        in pretend.stdout
    )
    assert not log.exists()

    result = CliRunner().invoke(cli, ["add", "auth", str(locked)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  changed   pyproject.toml" in lines
    assert "  changed   uv.lock" in lines
    assert "Note: pyproject.toml changed, so uv.lock was brought in step with it" in result.stdout
    assert log.read_text() == "lock --quiet\n"
    assert (locked / "uv.lock").read_text() == LOCK + "# re-locked\n"
    assert '"argon2-cffi' in (locked / "pyproject.toml").read_text()


def test_without_uv_the_lock_is_left_as_it_was_and_the_update_says_to_relock(
    locked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools_on_path(tmp_path, monkeypatch, uv=False)
    result = CliRunner().invoke(cli, ["add", "auth", str(locked)])
    assert result.exit_code == 0, result.output
    assert "  changed   pyproject.toml" in result.stdout
    assert "  changed   uv.lock" not in result.stdout.splitlines()
    assert (
        "Note: pyproject.toml changed and uv was not found to update uv.lock: run `make install` "
        "with uv (or `uv lock`), then commit uv.lock." in result.stdout
    )
    assert (locked / "uv.lock").read_text() == LOCK


def test_an_update_that_leaves_pyproject_in_conflict_leaves_the_lock_alone(
    locked: Path, template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The owner raises a pin, and the template's next version changes the same line.
    from ..versions import edit

    edit(locked / "pyproject.toml", '"python-dotenv>=1.0",', '"python-dotenv>=1.0.1",')
    commit_all(locked, "Raise python-dotenv")
    edit(
        template_repo / "templates" / "bottle" / "pyproject.toml.jinja",
        '"python-dotenv>=1.0",',
        '"python-dotenv>=1.1",',
    )
    commit_all(template_repo, "Template 1.1.0")
    git(template_repo, "tag", "v1.1.0")
    log = tools_on_path(tmp_path, monkeypatch, uv=True)

    result = CliRunner().invoke(cli, ["update", str(locked)])
    assert result.exit_code == 0, result.output
    assert "  conflict  pyproject.toml" in result.stdout.splitlines()
    assert "Note: pyproject.toml has conflicts: once they are resolved, `make install`" in (
        result.stdout
    )
    assert not log.exists()
    assert (locked / "uv.lock").read_text() == LOCK
