"""`scaffold new` end to end (rendering for real, installing nothing): git, force, pretend, atomicity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import scaffold
from scaffold.cli import cli

from ..conftest import clean_environ, listing


@pytest.fixture
def new(template_copy: Path, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `scaffold new` in-process with the template copy; return click's result."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str, template: Path = template_copy, output: Path = tmp_path):
        return runner.invoke(cli, ["new", *args, "-o", str(output), "--template", str(template)])

    return run


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def test_new_creates_a_project_with_one_commit(new, tmp_path: Path) -> None:
    result = new("myapp", "-f", "bottle", "--feature", "auth", "-y")
    assert result.exit_code == 0, result.output
    root = tmp_path / "myapp"
    assert "Created myapp: a Bottle project (SQLite; auth)" in result.stdout
    assert git(root, "log", "--format=%s").splitlines() == [
        f"Create myapp with scaffold {scaffold.__version__}"
    ]
    assert git(root, "status", "--porcelain") == ""
    assert ".env" not in git(root, "ls-files").split()
    assert (root / ".env").is_file()
    assert [path.name for path in tmp_path.iterdir()] == ["myapp"]


def test_the_next_steps_migrate_only_a_project_with_a_database(new) -> None:
    with_database = new("stored", "-y", "--no-git")
    assert with_database.exit_code == 0, with_database.output
    assert "\n  make migrate\n" in with_database.stdout
    without = new("stateless", "-y", "--no-git", "--database", "none")
    assert without.exit_code == 0, without.output
    assert "make migrate" not in without.stdout


def test_no_git_leaves_a_plain_directory(new, tmp_path: Path) -> None:
    assert new("myapp", "-y", "--no-git").exit_code == 0
    assert not (tmp_path / "myapp" / ".git").exists()
    assert (tmp_path / "myapp" / "pyproject.toml").is_file()


def test_a_project_inside_a_repository_is_not_a_nested_repository(new, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    result = new("myapp", "-y")
    assert result.exit_code == 0
    assert not (tmp_path / "myapp" / ".git").exists()
    assert "inside a git repository" in result.stdout


def test_pretend_writes_nothing(new, tmp_path: Path) -> None:
    result = new("myapp", "-y", "--pretend", "--feature", "docker")
    assert result.exit_code == 0, result.output
    assert "Nothing was written" in result.stdout
    assert "Dockerfile" in result.stderr
    assert listing(tmp_path) == []


def test_force_writes_into_an_existing_directory_and_keeps_other_files(new, tmp_path: Path) -> None:
    root = tmp_path / "myapp"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    (root / "README.md").write_text("old readme")
    result = new("myapp", "-y", "--force", "--no-git")
    assert result.exit_code == 0, result.output
    assert (root / "notes.txt").read_text() == "mine"
    assert (root / "README.md").read_text().startswith("# myapp")
    assert [path.name for path in tmp_path.iterdir()] == ["myapp"]


def test_a_missing_output_directory_is_created(new, tmp_path: Path) -> None:
    result = new("myapp", "-y", output=tmp_path / "a" / "b")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "b" / "myapp" / "Makefile").is_file()


@pytest.fixture
def broken_template(tmp_path: Path) -> Path:
    """A template whose second file fails to render, after the first was written."""
    root = tmp_path / "broken"
    (root / "project").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: project\nproject_name: x\n")
    (root / "project" / "a_first.txt").write_text("fine\n")
    (root / "project" / "b_second.txt.jinja").write_text("{{ missing.attribute }}\n")
    return root


def test_a_failure_part_way_leaves_nothing_behind(
    new, tmp_path: Path, broken_template: Path
) -> None:
    output = tmp_path / "out" / "deeper"
    result = new("myapp", "-y", template=broken_template, output=output)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: cannot render the template")
    assert "'missing' is undefined" in line
    assert not (tmp_path / "out").exists()


def test_an_interruption_part_way_leaves_nothing_behind(
    new, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def interrupted(src_path, dst_path, **_options):
        (Path(dst_path) / "half-written.txt").write_text("...")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", interrupted)
    result = new("myapp", "-y")
    assert result.exit_code == 130
    assert result.stderr.split() and result.stderr.strip().startswith("Error: interrupted")
    assert listing(tmp_path) == []


def test_sigterm_part_way_leaves_nothing_behind(tmp_path: Path, template_copy: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        import copier
        from scaffold import cli

        def slow(src_path, dst_path, **options):
            (Path(dst_path) / "half-written.txt").write_text("...")
            time.sleep(60)

        copier.run_copy = slow
        sys.argv = ["scaffold", "new", "myapp", "-y", "-o", {str(tmp_path / "out")!r},
                    "--template", {str(template_copy)!r}]
        cli.main()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not list((tmp_path / "out").glob(".myapp.*/half-written.txt")):
        assert time.monotonic() < deadline, "the render never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert listing(tmp_path / "out") == []


@pytest.mark.parametrize("parent", ["a-file/sub", "/proc/scaffold-test"])
def test_an_unwritable_destination_is_refused(new, tmp_path: Path, parent: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    before = listing(tmp_path)
    result = new("myapp", "-y", output=tmp_path / parent)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: cannot create")
    assert listing(tmp_path) == before


def test_without_a_terminal_nothing_is_asked(
    tmp_path: Path, template_copy: Path, isolated_home: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scaffold",
            "new",
            "myapp",
            "-o",
            str(tmp_path),
            "--template",
            str(template_copy),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_environ(),
    )
    assert done.returncode == 0, done.stderr
    answers = yaml.safe_load((tmp_path / "myapp" / ".copier-answers.yml").read_text())
    assert answers["framework"] == "bottle"
    assert answers["features"] == []


def test_in_a_terminal_the_remaining_questions_are_asked(
    tmp_path: Path, template_copy: Path
) -> None:
    import pty
    import select

    command = [
        sys.executable, "-m", "scaffold", "new", "myapp", "-f", "bottle", "--no-git",
        "-o", str(tmp_path), "--template", str(template_copy),
    ]  # fmt: skip
    pid, fd = pty.fork()
    if pid == 0:  # the child: become scaffold, talking to the pseudo-terminal
        os.execvpe(command[0], command, clean_environ(TERM="xterm", COLUMNS="100", LINES="40"))
    transcript = b""
    answered = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            transcript += chunk
            continue
        # Quiet for a second: a prompt waits. Accept its default.
        os.write(fd, b"\r")
        answered += 1
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = transcript.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    for question in ("description", "Author name", "Minimum Python", "Database", "Features"):
        assert question.lower() in text.lower(), question
    assert "Web framework" not in text
    assert (tmp_path / "myapp" / "pyproject.toml").is_file()


def test_the_library_creates_what_the_command_line_creates(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    made = scaffold.create(
        "shop",
        framework="bottle",
        features=["api"],
        output_dir=tmp_path,
        template=str(template_copy),
    )
    assert made.path == tmp_path / "shop"
    assert made.committed
    assert made.answers["features"] == ["api"]
    assert (made.path / "shop" / "api.py").is_file()
