"""Measure scaffold against its floor, as ratios taken in one run on one machine.

    python benchmarks/run.py [--runs N]

- `scaffold new` against a plain `copier copy` of the same template (same source, same answers,
  no git init on either side): copier's import and render are the floor. Twice: with the
  template given as a directory, and as an installed wheel runs it, from its template store
  (the package and its template laid out as the wheel installs them) against `copier copy` of
  that store at the same tag.
- `scaffold update` against a plain `copier update` of the same project to the same version.
- `scaffold --help`, `scaffold list` and `scaffold --version` (as installed) against
  `python -c "import click"`.

Each pair runs alternately, N times, as fresh processes; the ratio is of the medians. The figures
are printed as a table and written to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
TARGETS = {
    "new": 1.10,
    "new_installed": 1.10,
    "update": 1.10,
    "help": 1.5,
    "list": 1.5,
    "version": 1.5,
}


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def git(cwd: Path, *args: str) -> None:
    identity = {
        f"GIT_{who}_{what}": value
        for who in ("AUTHOR", "COMMITTER")
        for what, value in (("NAME", "bench"), ("EMAIL", "bench@localhost"))
    }
    subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **identity}
    )


def versioned_template(template: Path, repo: Path) -> None:
    """The template in a git repository with two versions: v1.0.0, and v1.1.0 changing a few files."""
    shutil.copytree(template, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "1.0.0")
    git(repo, "tag", "v1.0.0")
    readme = repo / "templates" / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text().replace("## Quick start", "## Getting started"))
    (repo / "templates" / "bottle" / "CHANGELOG.md").write_text("# Changelog\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "1.1.0")
    git(repo, "tag", "v1.1.0")


def compare(
    runs: int, ours: Callable[[int], float], floor: Callable[[int], float]
) -> tuple[float, float, float]:
    """Median seconds of `ours` and of `floor`, alternating, after one warm-up each; and their ratio."""
    ours(-1)
    floor(-1)
    mine, theirs = [], []
    for run in range(runs):
        mine.append(ours(run))
        theirs.append(floor(run))
    a, b = statistics.median(mine), statistics.median(theirs)
    return a, b, a / b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    work = Path(tempfile.mkdtemp(prefix="scaffold-bench-"))
    env = {**os.environ, "SCAFFOLD_DATA_DIR": str(work / "data")}
    env.pop("VIRTUAL_ENV", None)
    # Python as users run it, caching bytecode: a checkout's modules are compiled once, as an
    # installed package's were at install time, not on every run of the measure.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    template = work / "template"
    template.mkdir()
    for name in ("copier.yml", "catalog.yml"):
        shutil.copy2(REPO / name, template / name)
    shutil.copytree(REPO / "templates", template / "templates")
    python = sys.executable
    answers = ["-d", "framework=bottle", "-d", "features=[auth, api, docker, ci]"]

    def scaffold_new(run: int) -> float:
        out = work / f"scaffold-{run}"
        return timed(
            [python, "-m", "scaffold", "new", "myapp", "-y", "--no-git", "-o", str(out),
             "--template", str(template), "-f", "bottle", "--feature", "auth", "--feature", "api",
             "--feature", "docker", "--feature", "ci"],
            work, env,
        )  # fmt: skip

    # scaffold as a wheel installs it: the package, with the template and its hash inside.
    from scaffold import __version__, fingerprint

    installed = work / "installed"
    shutil.copytree(
        REPO / "src" / "scaffold",
        installed / "scaffold",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(template, installed / "scaffold" / "template")
    content = fingerprint.compute(template)
    (installed / "scaffold" / "template" / fingerprint.HASH_FILE).write_text(content + "\n")
    # A wheel's installer compiles its modules; so does this layout, once.
    subprocess.run([python, "-m", "compileall", "-q", str(installed / "scaffold")], check=True)
    installed_env = {**env, "PYTHONPATH": str(installed)}
    store, tag = work / "data" / "templates", f"v{__version__}+{content}"

    def scaffold_new_installed(run: int) -> float:
        out = work / f"installed-{run}"
        return timed(
            [python, "-m", "scaffold", "new", "myapp", "-y", "--no-git", "-o", str(out),
             "-f", "bottle", "--feature", "auth", "--feature", "api", "--feature", "docker",
             "--feature", "ci"],
            work, installed_env,
        )  # fmt: skip

    def copier_copy_store(run: int) -> float:
        out = work / f"copier-store-{run}"
        return timed(
            [python, "-m", "copier", "copy", "--defaults", "--quiet", *answers, "--vcs-ref", tag,
             str(store), str(out / "myapp")],
            work, env,
        )  # fmt: skip

    def copier_copy(run: int) -> float:
        out = work / f"copier-{run}"
        return timed(
            [
                python,
                "-m",
                "copier",
                "copy",
                "--defaults",
                "--quiet",
                *answers,
                str(template),
                str(out / "myapp"),
            ],
            work,
            env,
        )

    repo = work / "versioned"
    versioned_template(template, repo)
    project = work / "project" / "myapp"
    subprocess.run(
        [python, "-m", "copier", "copy", "--defaults", "--quiet", "--vcs-ref", "v1.0.0", *answers, str(repo), str(project)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        git(project, *args)

    def updating(command: list[str]) -> Callable[[int], float]:
        def run(_run: int) -> float:
            git(project, "reset", "-q", "--hard")
            git(project, "clean", "-q", "-fdx")
            return timed(command, project, env)

        return run

    scaffold_update = updating([python, "-m", "scaffold", "update", "--vcs-ref", "v1.1.0"])
    copier_update = updating(
        [python, "-m", "copier", "update", "--defaults", "--quiet", "--vcs-ref", "v1.1.0"]
    )

    def command(*args: str) -> Callable[[int], float]:
        return lambda _run: timed([python, *args], work, env)

    try:
        rows = {
            "new": ("scaffold new (bottle, all features)", compare(runs, scaffold_new, copier_copy), "copier copy"),
            # scaffold's warm-up run puts the template into the store, before copier's.
            "new_installed": ("scaffold new, installed (template store)", compare(runs, scaffold_new_installed, copier_copy_store), "copier copy of the store"),
            "update": ("scaffold update (bottle, all features)", compare(runs, scaffold_update, copier_update), "copier update"),
            "help": ("scaffold --help", compare(runs, command("-m", "scaffold", "--help"), command("-c", "import click")), 'python -c "import click"'),
            "list": ("scaffold list", compare(runs, command("-m", "scaffold", "list"), command("-c", "import click")), 'python -c "import click"'),
            "version": ("scaffold --version, installed", compare(runs, lambda _run: timed([python, "-m", "scaffold", "--version"], work, installed_env), command("-c", "import click")), 'python -c "import click"'),
        }  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'measure':<42}{'scaffold':>10}{'floor':>10}{'ratio':>8}{'target':>8}  floor")
    report = {}
    for key, (label, (ours, floor, ratio), floor_label) in rows.items():
        target = TARGETS[key]
        print(
            f"{label:<42}{ours * 1000:>8.0f}ms{floor * 1000:>8.0f}ms{ratio:>8.2f}{target:>8.2f}  {floor_label}"
        )
        report[key] = {
            "label": label,
            "scaffold_s": ours,
            "floor_s": floor,
            "ratio": ratio,
            "target": target,
            "floor": floor_label,
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps({"runs": runs, "python": sys.version.split()[0], "results": report}, indent=2)
    )


if __name__ == "__main__":
    main()
