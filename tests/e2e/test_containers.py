"""Each project's Dockerfile, built unchanged and run for real (podman, see containers.py).

The image holds the versions the project's uv.lock pins, and no dev tool. It starts with
production settings alone: no .env (the build leaves it out), only the secret, a public host name
and, for PostgreSQL, the database's address in the environment. It answers /health, its own
HEALTHCHECK passes, every process in it runs as an unprivileged user, and a request for the
public host name that came through a TLS-terminating proxy gets the home page. Without a lock,
the image builds from pyproject.toml's ranges; with a lock that no longer matches them, the build
fails and says so.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ..conftest import CATALOG, READY, Combination, as_params
from .conftest import (
    PROJECT_NAME,
    Project,
    fetch,
    free_port,
    generate,
    normalized,
    not_locked,
    run,
    uv_executable,
)
from .containers import Container, Engine, engine_or_skip

pytestmark = pytest.mark.e2e

PUBLIC_HOST = "example.com"


def container_combinations() -> list[Combination]:
    """Per ready framework, every feature with each database that has a server to point at."""
    found = []
    for framework in READY:
        for database, allowed in CATALOG.combinations(framework).items():
            if "docker" in allowed and database in {"sqlite", "postgresql"}:
                found.append(Combination(framework.name, database, allowed))
    return found


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    yield engine_or_skip()


def production_environment(project: Project) -> dict[str, str]:
    """What an operator sets: the secret, the public host name, and the database's address."""
    framework = project.framework
    env = {framework.secret: secrets.token_urlsafe(50)}
    if framework.allowed_hosts:
        env[framework.allowed_hosts] = PUBLIC_HOST
    if project.combination.database == "postgresql":
        env["DATABASE_URL"] = project.env["DATABASE_URL"]
    return env


def what_the_image_breaks(engine: Engine, container: Container) -> list[str]:
    """Every promise the running container breaks (all of them, not only the first)."""
    broken = []
    health = fetch(container.url + "/health")
    if health.status != 200 or health.json() != {"status": "ok"}:
        broken.append(f"/health answered {health.status}: {health.body[:200]}")
    if "set-cookie" in health.headers:
        broken.append(f"/health sets a cookie: {health.headers['set-cookie']}")
    checked = engine.podman("healthcheck", "run", container.id, check=False)
    if checked.returncode != 0:
        broken.append(f"the HEALTHCHECK fails: {(checked.stdout + checked.stderr).strip()}")
    processes = container.processes()
    if not processes:
        broken.append("podman top lists no process")
    broken += [f"runs as root: {command}" for user, command in processes if user in {"root", "0"}]
    proxied = fetch(
        container.url + "/", headers={"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"}
    )
    if proxied.status != 200 or PROJECT_NAME not in proxied.body:
        broken.append(f"/ for {PUBLIC_HOST} through a TLS proxy answered {proxied.status}")
    return broken


def assert_the_image_keeps_its_promises(engine: Engine, image: str, project: Project) -> None:
    """Run `image` with production settings alone; it must keep every promise."""
    container = engine.run(image, free_port(), production_environment(project))
    try:
        container.wait_until_healthy()
        broken = what_the_image_breaks(engine, container)
        assert not broken, "\n".join([*broken, "--- the container's log:", container.logs()])
    finally:
        container.remove()


@pytest.mark.parametrize("combination", as_params(container_combinations()))
def test_the_image_runs_with_production_settings_alone(
    combination: Combination,
    installed_project: Callable[[Combination], Project],
    engine: Engine,
) -> None:
    project = installed_project(combination)
    tag = f"localhost/scaffold-test-{re.sub(r'[^a-z0-9]+', '-', combination.id)}:{secrets.token_hex(4)}"
    engine.build(project.root, tag)
    try:
        assert (project.root / "uv.lock").is_file(), "the installed project has no lock"
        installed = engine.distributions(tag)
        assert installed, "the image holds no Python distribution"
        assert not_locked(installed, project.root) == {}, "versions uv.lock does not pin"
        assert not {"pytest", "ruff"} & {normalized(name) for name in installed}, "dev tools"
        assert_the_image_keeps_its_promises(engine, tag, project)
    finally:
        engine.remove_image(tag)


@pytest.mark.xdist_group("image-without-a-lock")
def test_the_image_builds_from_the_ranges_without_a_lock_and_refuses_a_stale_one(
    template_copy: Path, tmp_path: Path, isolated_home: Path, engine: Engine
) -> None:
    combination = Combination("bottle", "sqlite", ("docker",))
    root = generate(combination, tmp_path, template_copy)
    tag = f"localhost/scaffold-test-unlocked:{secrets.token_hex(4)}"
    uv = uv_executable()
    assert uv, "the test dependencies include uv"

    # A lock that pyproject.toml has moved away from: the build stops, with uv's reason.
    run([uv, "lock", "--quiet", "--python", CATALOG.framework("bottle").python[0]], root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"gunicorn>=23",', '"gunicorn>=23.0.1",'))
    stale = engine.build(root, tag, check=False)
    engine.remove_image(tag)
    assert stale.returncode != 0
    assert "needs to be updated, but `--locked` was provided" in stale.stdout + stale.stderr

    # No lock at all: the newest versions within the ranges, and an image that runs.
    (root / "uv.lock").unlink()
    engine.build(root, tag)
    try:
        assert "bottle" in {normalized(name) for name in engine.distributions(tag)}
        assert_the_image_keeps_its_promises(engine, tag, Project(root, combination, {}))
    finally:
        engine.remove_image(tag)
