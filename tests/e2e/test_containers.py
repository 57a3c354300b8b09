"""Each project's Dockerfile, built unchanged and run for real (podman, see containers.py).

The image starts with production settings alone: no .env (the build leaves it out), only the
secret, a public host name and, for PostgreSQL, the database's address in the environment. It
answers /health, its own HEALTHCHECK passes, every process in it runs as an unprivileged user,
and a request for the public host name that came through a TLS-terminating proxy gets the home
page.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator

import pytest

from ..conftest import CATALOG, READY, Combination, as_params
from .conftest import PROJECT_NAME, Project, fetch, free_port
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
        container = engine.run(tag, free_port(), production_environment(project))
        try:
            container.wait_until_healthy()
            broken = what_the_image_breaks(engine, container)
            assert not broken, "\n".join([*broken, "--- the container's log:", container.logs()])
        finally:
            container.remove()
    finally:
        engine.remove_image(tag)
