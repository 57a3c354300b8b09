import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold import __version__, catalog, fingerprint, source
from scaffold.cli import cli

from ..conftest import CATALOG, READY, REPO, UNBUILT, catalog_with_unbuilt, listing


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version_names_the_checkout_template_by_hash_and_commit(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    expected = (
        f"scaffold {__version__} (template {fingerprint.compute(REPO)}, "
        f"from the git checkout {REPO} at {commit}"
    )
    assert result.output.startswith(expected), result.output
    assert result.output.count("\n") == 1


def test_version_names_an_installed_template_by_its_recorded_hash(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    packaged = tmp_path / "template"
    packaged.mkdir()
    (packaged / "copier.yml").write_text("_subdirectory: templates/x\n")
    (packaged / fingerprint.HASH_FILE).write_text("0123456789ab\n")
    monkeypatch.setattr(source, "PACKAGED_ROOT", packaged)
    result = runner.invoke(cli, ["-V"])
    assert result.exit_code == 0
    assert result.output == f"scaffold {__version__} (template 0123456789ab)\n"


def test_bare_scaffold_prints_the_help_as_click_does(runner: CliRunner) -> None:
    result = runner.invoke(cli, [])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Usage: scaffold [OPTIONS] COMMAND [ARGS]...")
    assert "Error" not in result.stderr
    assert result.stderr.rstrip().endswith(
        "update  Update the project at PATH (default: here) to this scaffold's..."
    )


def test_new_help_shows_the_default_framework_each_python_and_two_examples(
    runner: CliRunner,
) -> None:
    result = runner.invoke(cli, ["new", "--help"], terminal_width=200)
    assert result.exit_code == 0
    # click wraps the help at 80 columns whatever the terminal's width: read it unwrapped.
    text = " ".join(result.output.split())
    default = CATALOG.framework(CATALOG.default_framework)
    assert f"{default.name} (Python {default.python_range}, the default)" in text
    for framework in READY:
        assert f"{framework.name} (Python {framework.python_range}" in text
    examples = result.output.split("Examples:")[1]
    assert len([line for line in examples.splitlines() if "scaffold new " in line]) == 2


@pytest.mark.parametrize("args", [["--help"], ["new", "--help"], ["list", "--help"], ["-h"]])
def test_help(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert "Usage: scaffold" in result.output


def test_list_shows_every_framework_and_marks_those_not_built(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for name, framework in CATALOG.frameworks.items():
        [line] = [line for line in lines if line.split() and line.split()[0].rstrip("*") == name]
        assert line.split()[0].endswith("*") != framework.ready
    assert "* marks those not built yet" in result.output
    for name in ("sqlite", "postgresql", "none", "auth", "api", "docker", "ci"):
        assert name in result.output


def test_list_marks_the_default_and_shows_each_package_range(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["list"])
    lines = result.output.splitlines()
    for name, framework in CATALOG.frameworks.items():
        [line] = [line for line in lines if line.split() and line.split()[0].rstrip("*") == name]
        cells = line.split()
        assert (cells[1] == "(default)") == (name == CATALOG.default_framework), line
        assert framework.python_range in cells
        assert f"{framework.package.name}{framework.package.range}" in cells


def test_list_json_holds_the_same_facts(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["list", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["default_framework"] == CATALOG.default_framework
    assert [name for name, fw in data["frameworks"].items() if fw["default"]] == ["bottle"]
    assert data["frameworks"]["emmett"]["package"] == {
        "name": "emmett",
        "extras": ["orjson"],
        "range": CATALOG.framework("emmett").package.range,
    }
    assert list(data["frameworks"]) == list(CATALOG.frameworks)
    bottle = data["frameworks"]["bottle"]
    assert bottle["ready"] is True
    assert bottle["combinations"]["none"] == ["docker", "ci"]
    assert {name: fw["ready"] for name, fw in data["frameworks"].items()} == {
        name: fw.ready for name, fw in CATALOG.frameworks.items()
    }
    assert "3.12" in data["frameworks"]["web2py"]["python_note"]
    assert data["features"]["auth"]["needs_database"] is True
    assert set(data["databases"]) == {"sqlite", "postgresql", "none"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "my app", "-y"], "not a usable project directory name"),
        (["new", "os", "-y"], "would shadow"),
        (["new", "myapp", "-f", "flask", "-y"], "unknown framework 'flask'"),
        (["new", "myapp", "--feature", "graphql", "-y"], "unknown feature 'graphql'"),
        (["new", "myapp", "--database", "none", "--feature", "auth", "-y"], "needs a database"),
        (["new", "myapp", "--python", "3.8", "-y"], "support Python"),
        (["new", "myapp", "-d", "colour=red", "-y"], "unknown question 'colour'"),
        (["new", "myapp", "--frobnicate"], "No such option '--frobnicate'"),
        (["new"], "Missing argument 'NAME'"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["update", "--check", "-d", "database=none"], "--check compares with the template"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    before = listing(tmp_path)
    result = runner.invoke(
        cli, [*args, "--output-dir", str(tmp_path)] if args[0] == "new" and len(args) > 1 else args
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert message in line
    assert "Traceback" not in result.output
    assert listing(tmp_path) == before


def test_a_framework_not_built_yet_is_marked_and_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unbuilt = catalog_with_unbuilt()
    monkeypatch.setattr(catalog, "load", lambda path=None: unbuilt)
    listed = runner.invoke(cli, ["list"]).output.splitlines()
    names = [line.split()[0] for line in listed if line.split()]
    assert f"{UNBUILT}*" in names and UNBUILT not in names
    assert f"Not built yet: {UNBUILT}." in runner.invoke(cli, ["new", "--help"]).output
    result = runner.invoke(cli, ["new", "myapp", "-f", UNBUILT, "-y", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{unbuilt.frameworks[UNBUILT].label} is not built yet" in result.stderr
    assert listing(tmp_path) == []


def test_a_non_empty_destination_needs_force(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "notes.txt").write_text("mine")
    before = listing(tmp_path)
    result = runner.invoke(cli, ["new", "myapp", "-y", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert listing(tmp_path) == before


def test_a_destination_that_is_a_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "myapp").write_text("a file")
    result = runner.invoke(cli, ["new", "myapp", "-y", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a directory" in result.stderr
    assert (tmp_path / "myapp").read_text() == "a file"


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["list"], ["list", "--json"]])
def test_help_version_and_list_do_not_import_copier(args: list[str]) -> None:
    probe = (
        "import sys\n"
        "from scaffold.cli import cli\n"
        "try:\n"
        f"    cli.main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'copier', 'jinja2', 'pydantic'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
