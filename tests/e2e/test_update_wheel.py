"""Updating projects made by an installed scaffold (a wheel, no git checkout anywhere).

Two wheels are built here from copies of this repository: version X as it is, and X+1 with a
template change. X makes projects; X+1 is installed over it and updates them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scaffold import fingerprint

from ..conftest import REPO, clean_environ
from ..versions import assert_merged, owner_edits, release_next_version
from .conftest import checkout_copy, run, uv_executable

# The tests share a module-scoped project: one worker runs them all.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("update-wheels")]


def current_version() -> str:
    text = (REPO / "src" / "scaffold" / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def next_version(version: str) -> str:
    parts = version.split(".")
    return ".".join([*parts[:-1], str(int(parts[-1]) + 1)])


def build_wheel(checkout: Path, into: Path) -> Path:
    into.mkdir(exist_ok=True)
    before = set(into.glob("*.whl"))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(into),
            ".",
        ],
        checkout,
    )
    [wheel] = set(into.glob("*.whl")) - before
    return wheel


def store_tag(version: str, checkout: Path) -> str:
    """The template store's tag for the template a build from `checkout` carries."""
    return f"v{version}+{fingerprint.compute(checkout)}"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The wheel directory, wheel X and wheel X+1."""
    root = tmp_path_factory.mktemp("wheels")
    directory = root / "dist"
    old = build_wheel(checkout_copy(root / "x"), directory)
    newer = checkout_copy(root / "x1")
    init = newer / "src" / "scaffold" / "__init__.py"
    version = current_version()
    init.write_text(init.read_text().replace(f'"{version}"', f'"{next_version(version)}"'))
    release_next_version(newer, tag=None)
    new = build_wheel(newer, directory)
    return directory, old, new


@pytest.fixture(scope="module")
def same_version(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path, str]:
    """Two builds of version X whose templates differ (as after `git pull && pip install .`):
    each wheel, and the store tag of the template it carries."""
    root = tmp_path_factory.mktemp("same-version")
    first = checkout_copy(root / "first")
    later = checkout_copy(root / "later")
    release_next_version(later, tag=None)
    return (
        build_wheel(first, root / "dist-first"),
        store_tag(current_version(), first),
        build_wheel(later, root / "dist-later"),
        store_tag(current_version(), later),
    )


class Machine:
    """A home directory with its own scaffold data, and a virtual environment to install into."""

    def __init__(self, root: Path, venv: Path) -> None:
        self.home = root
        self.home.mkdir(parents=True, exist_ok=True)
        self.venv = venv

    def env(self, **extra: str) -> dict[str, str]:
        environ = clean_environ(
            HOME=str(self.home),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
            GIT_AUTHOR_NAME="Owner",
            GIT_AUTHOR_EMAIL="owner@example.com",
            GIT_COMMITTER_NAME="Owner",
            GIT_COMMITTER_EMAIL="owner@example.com",
            **extra,
        )
        environ.pop("SCAFFOLD_DATA_DIR", None)
        environ.pop("XDG_DATA_HOME", None)
        return environ

    def scaffold(self, *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("scaffold", *args, cwd=cwd, **extra)

    def run(
        self, tool: str, *args: str, cwd: Path, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """Run a tool installed in the virtual environment, in this machine's environment."""
        return subprocess.run(
            [str(self.venv / "bin" / tool), *args],
            cwd=cwd,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A virtual environment with pip (scaffold rebuilds old template versions with it)."""
    run([sys.executable, "-m", "venv", str(tmp_path / "venv")], tmp_path)
    return tmp_path / "venv"


def install_wheel(venv: Path, wheel: Path) -> None:
    uv = uv_executable()
    assert uv, "the test dependencies include uv"
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "--reinstall-package",
            "scaffold",
            str(wheel),
        ],
        venv.parent,
    )


def new_project(machine: Machine, where: Path, tag: str | None = None) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    done = machine.scaffold("new", "myapp", "-f", "bottle", "-y", cwd=where)
    assert done.returncode == 0, done.stderr
    project = where / "myapp"
    text = (project / ".copier-answers.yml").read_text()
    assert "_src_path: ~/.local/share/scaffold/templates" in text
    assert f"_commit: {tag or store_tag(current_version(), REPO)}\n" in text
    return project


def edited_projects(
    machine: Machine, places: list[Path], tag: str | None = None
) -> dict[Path, str]:
    """A project made in each place and edited by its owner; each one's .env before any update."""
    envs = {}
    for place in places:
        project = new_project(machine, place, tag)
        envs[project] = (project / ".env").read_text()
        owner_edits(project)
    return envs


def test_an_upgraded_scaffold_updates_projects_of_the_old_one(
    wheels: tuple[Path, Path, Path], tmp_path: Path, venv: Path
) -> None:
    _, old_wheel, new_wheel = wheels
    machine = Machine(tmp_path / "home", venv)
    install_wheel(venv, old_wheel)
    first, second = envs = edited_projects(machine, [tmp_path / "first", tmp_path / "second"])

    install_wheel(venv, new_wheel)
    done = machine.scaffold("update", cwd=first)
    assert done.returncode == 0, done.stderr
    assert "  conflict  README.md" in done.stdout
    newer = store_tag(next_version(current_version()), checkout_with_next_release(tmp_path))
    assert_merged(first, envs[first], version=newer)

    # Plain copier, on the same machine, finds the new version in the template store.
    copier = machine.run("copier", "update", "--defaults", cwd=second)
    assert copier.returncode == 0, copier.stderr
    assert_merged(second, envs[second], version=newer)


def test_a_project_from_another_machine_gets_its_old_template_rebuilt(
    wheels: tuple[Path, Path, Path], tmp_path: Path, venv: Path
) -> None:
    wheel_dir, old_wheel, new_wheel = wheels
    elsewhere = Machine(tmp_path / "their-home", venv)
    install_wheel(venv, old_wheel)
    project = new_project(elsewhere, tmp_path / "work")
    env_before = (project / ".env").read_text()
    owner_edits(project)

    # Here: a newer scaffold, and a template store that has never seen version X.
    here = Machine(tmp_path / "my-home", venv)
    install_wheel(venv, new_wheel)
    cannot = here.scaffold(
        "update", cwd=project, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path / "empty")
    )
    assert cannot.returncode == 1
    [line] = cannot.stderr.splitlines()
    assert f"the template of scaffold {current_version()}" in line
    assert "could not be downloaded" in line and "PIP_FIND_LINKS" in line
    assert not (project / "CHANGELOG.md").exists()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True
    )
    assert status.stdout == ""

    done = here.scaffold("update", cwd=project, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheel_dir))
    assert done.returncode == 0, done.stderr
    newer = store_tag(next_version(current_version()), checkout_with_next_release(tmp_path))
    assert_merged(project, env_before, version=newer)
    store = here.home / ".local" / "share" / "scaffold" / "templates"
    tags = subprocess.run(
        ["git", "tag"], cwd=store, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(tags) == sorted([store_tag(current_version(), REPO), newer])


def checkout_with_next_release(tmp_path: Path) -> Path:
    """The template of wheel X+1, to compute its hash."""
    copy = checkout_copy(tmp_path / "next-release")
    release_next_version(copy, tag=None)
    return copy


def test_two_builds_of_one_version_each_render_their_own_template(
    same_version: tuple[Path, str, Path, str], tmp_path: Path, venv: Path
) -> None:
    first_wheel, first_tag, later_wheel, later_tag = same_version
    assert first_tag != later_tag
    for wheel, tag in ((first_wheel, first_tag), (later_wheel, later_tag)):
        with zipfile.ZipFile(wheel) as archive:
            recorded = archive.read(f"scaffold/template/{fingerprint.HASH_FILE}").decode()
        assert f"v{current_version()}+{recorded.strip()}" == tag
    machine = Machine(tmp_path / "home", venv)
    install_wheel(venv, first_wheel)
    version = machine.scaffold("--version", cwd=tmp_path)
    assert version.stdout == f"scaffold {current_version()} (template {first_tag.split('+')[1]})\n"
    made_first, by_copier = envs = edited_projects(
        machine, [tmp_path / "first", tmp_path / "copier"], first_tag
    )

    # `git pull && pip install .`: the same version number, another template.
    install_wheel(venv, later_wheel)
    version = machine.scaffold("--version", cwd=tmp_path)
    assert version.stdout == f"scaffold {current_version()} (template {later_tag.split('+')[1]})\n"
    made_later = new_project(machine, tmp_path / "later", later_tag)
    assert (made_later / "CHANGELOG.md").is_file()

    check = machine.scaffold("update", "--check", cwd=made_first)
    assert check.returncode == 1, check.stderr
    assert f"(template {first_tag}; the latest is {later_tag})" in check.stdout
    done = machine.scaffold("update", cwd=made_first)
    assert done.returncode == 0, done.stderr
    assert_merged(made_first, envs[made_first], version=later_tag)

    copier = machine.run("copier", "update", "--defaults", "--vcs-ref", later_tag, cwd=by_copier)
    assert copier.returncode == 0, copier.stderr
    assert_merged(by_copier, envs[by_copier], version=later_tag)
