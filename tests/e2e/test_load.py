"""A short loopback load on each production server: zero errors, and healthy afterwards.

benchmarks/load.py runs the same load longer and reports the figures; here it only has to pass.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..conftest import CATALOG, READY, Combination, as_params
from .conftest import Project, fetch, serving, stub_server, unavailable
from .load import load, missing, paths_under_load

pytestmark = pytest.mark.e2e

SECONDS = 2
CONNECTIONS = 8


def load_combination(framework_name: str) -> Combination:
    """The project under load: SQLite with the JSON API (so its listing is loaded too)."""
    allowed = CATALOG.combinations(CATALOG.framework(framework_name))
    database = "sqlite" if "sqlite" in allowed else next(iter(allowed))
    return Combination(framework_name, database, ("api",) if "api" in allowed[database] else ())


@pytest.mark.parametrize("combination", as_params([load_combination(fw.name) for fw in READY]))
def test_the_production_server_holds_a_short_load(
    combination: Combination, installed_project: Callable[[Combination], Project]
) -> None:
    reason = missing()
    if reason:
        unavailable(reason)
    project = installed_project(combination)
    with serving(project.root, "serve", project.env) as server:
        for path in paths_under_load(project.framework.pages, combination.features):
            result = load(server.url, path, SECONDS, CONNECTIONS)
            assert result.requests > 0, path
            assert not result.errors, f"{path}: {result.errors} in {result.requests} requests"
        assert server.process.poll() is None, server.output()
        health = fetch(server.url + "/health")
        assert health.status == 200 and health.json() == {"status": "ok"}


def test_the_load_counts_every_answer_that_is_not_a_200() -> None:
    reason = missing()
    if reason:
        unavailable(reason)

    def answer(path: str, port: int) -> tuple[int, str, bytes]:
        return (200 if path == "/ok" else 500), "text/plain", b"ok"

    with stub_server(answer) as url:
        fine = load(url, "/ok", 1, 2)
        broken = load(url, "/broken", 1, 2)
    assert fine.requests > 0 and not fine.errors
    assert broken.requests > 0 and broken.errors == {"not_200": broken.requests}
    with pytest.raises(ValueError, match=r"only against 127\.0\.0\.1"):
        load("http://localhost:9", "/", 1, 1)
