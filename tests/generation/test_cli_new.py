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


def test_force_says_what_it_replaced_and_commits_only_the_template(new, tmp_path: Path) -> None:
    root = tmp_path / "myapp"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "notes.txt").write_text("mine")
    (root / "README.md").write_text("old readme")
    (root / ".env").write_text("SECRET_KEY=kept\n")
    result = new("myapp", "-y", "--force")
    assert result.exit_code == 0, result.output
    assert "Replaced what was already there: README.md.\n" in result.stdout
    assert (
        "Left out of that commit, as they are not the template's: docs/notes.txt" in result.stdout
    )
    assert (root / "docs" / "notes.txt").read_text() == "mine"
    assert (root / ".env").read_text() == "SECRET_KEY=kept\n"
    committed = git(root, "ls-files").split()
    assert "README.md" in committed and ".copier-answers.yml" in committed
    assert "docs/notes.txt" not in committed
    assert git(root, "status", "--porcelain") == "?? docs/\n"


def test_force_refuses_a_file_where_the_template_puts_a_directory(new, tmp_path: Path) -> None:
    root = tmp_path / "myapp"
    root.mkdir()
    (root / "tests").write_text("a file, not a directory")
    before = listing(tmp_path)
    result = new("myapp", "-y", "--force")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert f"{root / 'tests'} is a file, and the template writes a directory there" in line
    assert listing(tmp_path) == before
    assert (root / "tests").read_text() == "a file, not a directory"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--template", "/nonexistent"], "the template /nonexistent does not exist: give a"),
        (["--template", "/etc"], "/etc is not a copier template (it has no copier.yml)"),
        (["--vcs-ref", "nosuchref"], "has no version 'nosuchref' (a git tag, branch or commit)"),
    ],
)
def test_a_wrong_template_or_version_is_named_with_what_is_expected(
    tmp_path: Path, isolated_home: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, ["new", "myapp", "-y", "-o", str(tmp_path), *args])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert message in line
    assert listing(tmp_path) == []


def test_names_are_case_insensitive_and_features_may_be_listed_together(
    new, tmp_path: Path
) -> None:
    result = new("myapp", "-f", "Django", "--feature", "auth,API", "--database", "SQLite", "-y")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((tmp_path / "myapp" / ".copier-answers.yml").read_text())
    assert (answers["framework"], answers["features"]) == ("django", ["auth", "api"])
    assert "a Django project (SQLite; auth, api), for Python 3.12 to 3.13." in result.stdout


@pytest.fixture
def no_python_in_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This Python out of every project's range, and a PATH with git but no uv or python3.X."""
    from scaffold import installer

    monkeypatch.setattr(installer, "running_version", lambda: "3.9")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(subprocess.check_output(["which", "git"], text=True).strip())
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def test_install_without_a_python_in_range_is_refused_before_writing(
    new, tmp_path: Path, no_python_in_range: Path
) -> None:
    output = tmp_path / "out"
    result = new("myapp", "-y", "--install", "--python", "3.13", output=output)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --install needs Python 3.13 (the project's range; this one is 3.9) "
        "or uv, and neither was found: install uv or python3.13, or leave out --install\n"
    )
    assert not output.exists()


def test_make_install_without_a_python_in_range_is_warned_about_before_writing(
    new, tmp_path: Path, no_python_in_range: Path
) -> None:
    warning = (
        "Warning: the project needs Python 3.11 to 3.13, and this is 3.9 with neither uv nor "
        "python3.13 on PATH: install one of them before `make install`\n"
    )
    pretend = new("myapp", "-y", "--pretend")
    assert pretend.exit_code == 0, pretend.output
    assert pretend.stderr.startswith(warning)
    result = new("myapp", "-y")
    assert result.exit_code == 0, result.output
    assert result.stderr == warning
    assert (tmp_path / "myapp" / "pyproject.toml").is_file()


@pytest.fixture
def failing_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A uv that locks (UV_LOCK_FAILS=1: fails to), then makes a .venv and fails to install."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = lock ] && [ -z "$UV_LOCK_FAILS" ]; then echo "version = 1" > uv.lock; exit 0; fi\n'
        'if [ "$1" = sync ]; then mkdir -p .venv/bin && touch .venv/bin/python; fi\n'
        'echo "error: cannot reach the index" >&2; exit 2\n'
    )
    uv.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return uv


def test_a_failed_install_says_what_is_left_and_how_to_finish(
    new, tmp_path: Path, failing_uv: Path
) -> None:
    result = new("myapp", "-y", "--install")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: `uv sync --locked --extra dev --python ")
    assert line.endswith(
        "failed with exit status 2; left: the project, complete and committed, in myapp, with "
        "no .venv; to install it: cd myapp && make install"
    )
    root = tmp_path / "myapp"
    assert (root / "pyproject.toml").is_file() and not (root / ".venv").exists()
    assert git(root, "status", "--porcelain") == ""
    # The lock was made before the first commit, which holds it.
    assert "uv.lock" in git(root, "ls-files").split()


def test_a_failed_lock_leaves_the_project_without_it_and_says_how_to_finish(
    new, tmp_path: Path, failing_uv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_LOCK_FAILS", "1")
    result = new("myapp", "-y", "--install")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: `uv lock --quiet --python ")
    assert line.endswith(
        "failed with exit status 2; left: the project, complete and committed, in myapp, with "
        "no .venv; to install it: cd myapp && make install"
    )
    root = tmp_path / "myapp"
    assert not (root / "uv.lock").exists() and not (root / ".venv").exists()
    assert git(root, "status", "--porcelain") == ""


def fake_run(interrupt: str):
    """installer._run that writes uv.lock for `uv lock` and is interrupted at `interrupt`."""

    def run(command, cwd, **_options):
        if command[1] == interrupt:
            (cwd / ".venv" / "lib").mkdir(parents=True, exist_ok=True)
            raise KeyboardInterrupt
        if command[1] == "lock":
            (cwd / "uv.lock").write_text("version = 1\n")

    return run


def test_an_interrupted_install_says_what_is_left_and_how_to_finish(
    new, tmp_path: Path, failing_uv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold import installer

    monkeypatch.setattr(installer, "_run", fake_run(interrupt="sync"))
    result = new("myapp", "-y", "--install")
    assert result.exit_code == 130
    assert result.stderr == (
        "Error: interrupted while installing; left: the project, complete and committed, in "
        "myapp, with no .venv; to install it: cd myapp && make install\n"
    )
    assert "nothing was" not in result.output
    assert (tmp_path / "myapp" / "pyproject.toml").is_file()
    assert not (tmp_path / "myapp" / ".venv").exists()


def test_an_interrupted_lock_writes_nothing(
    new, tmp_path: Path, failing_uv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold import installer

    monkeypatch.setattr(installer, "_run", fake_run(interrupt="lock"))
    before = listing(tmp_path)
    result = new("myapp", "-y", "--install")
    assert result.exit_code == 130
    assert result.stderr == "Error: interrupted; nothing was written\n"
    assert listing(tmp_path) == before


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
    assert result.stderr == "Error: interrupted; nothing was written\n"
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


def drive(command: list[str], steps: list[tuple[str, bytes]]) -> tuple[int, str]:
    """Run `command` in a pseudo-terminal: when the text of a step shows, type its keys; once
    every step is done, accept each further prompt's default. Return the exit status and what
    the terminal showed."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: become scaffold, talking to the pseudo-terminal
        os.execvpe(command[0], command, clean_environ(TERM="xterm", COLUMNS="200", LINES="40"))
    transcript, seen = b"", 0
    pending = list(steps)
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
            if pending and pending[0][0].encode() in transcript[seen:]:
                os.write(fd, pending.pop(0)[1])
                seen = len(transcript)
            continue
        if not pending:  # quiet for a second: a prompt waits. Accept its default.
            os.write(fd, b"\r")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), transcript.decode(errors="replace")


def new_bottle_command(name: str, output: Path, template: Path) -> list[str]:
    """`scaffold new NAME -f bottle --no-git` as a command line, with the template copy."""
    return [
        sys.executable, "-m", "scaffold", "new", name, "-f", "bottle", "--no-git",
        "-o", str(output), "--template", str(template),
    ]  # fmt: skip


def test_in_a_terminal_the_remaining_questions_are_asked(
    tmp_path: Path, template_copy: Path
) -> None:
    command = new_bottle_command("myapp", tmp_path, template_copy)
    status, text = drive(command, [])
    assert status == 0, text
    for question in ("description", "Author name", "Minimum Python", "Database", "Features"):
        assert question.lower() in text.lower(), question
    assert "Web framework" not in text
    assert (tmp_path / "myapp" / "pyproject.toml").is_file()


def test_in_a_terminal_an_unusable_derived_package_name_is_asked_for(
    tmp_path: Path, template_copy: Path
) -> None:
    command = new_bottle_command("2fast", tmp_path, template_copy)
    erase = b"\x7f" * len("2fast")
    status, text = drive(
        command,
        [
            ("Python package name", b"\r"),  # the derived default, 2fast: refused
            ("is not a usable", erase + b"fast_app\r"),
        ],
    )
    assert status == 0, text
    answers = yaml.safe_load((tmp_path / "2fast" / ".copier-answers.yml").read_text())
    assert (answers["project_name"], answers["package_name"]) == ("2fast", "fast_app")
    assert (tmp_path / "2fast" / "fast_app" / "__init__.py").is_file()


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
