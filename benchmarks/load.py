"""A bounded loopback load on each ready framework's production server, as a table.

    python benchmarks/load.py [--seconds N] [--connections N] [--framework NAME ...]

For each framework, a project with SQLite and the JSON API is generated, installed (uv), migrated
and served with `make serve` (production settings, its default number of workers) on a free port
of 127.0.0.1; 20 notes are added through the API. Then wrk (tests/e2e/load.py says why wrk) loads
`/health`, `/` and the API's listing in turn, each for a fixed time over a fixed number of
connections, after a one-second warm-up. Every response must be a 200: any error makes the run
exit 1. The table is printed and written to benchmarks/results/load.json; the server is stopped
through its process group.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import CATALOG, READY  # noqa: E402
from tests.e2e.conftest import generate, install, run, serving  # noqa: E402
from tests.e2e.load import load, missing, paths_under_load  # noqa: E402
from tests.e2e.test_load import load_combination  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
NOTES = 20


def add_notes(base_url: str, path: str, count: int) -> None:
    for number in range(count):
        body = json.dumps({"title": f"Note {number}", "body": "Some text " * 10}).encode()
        request = urllib.request.Request(
            base_url + path, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201, answer.status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per path (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent (default 8)")
    parser.add_argument("--framework", action="append", choices=[fw.name for fw in READY])
    options = parser.parse_args()
    reason = missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="scaffold-load-"))
    os.environ["SCAFFOLD_DATA_DIR"] = str(work / "data")
    for who in ("AUTHOR", "COMMITTER"):
        os.environ[f"GIT_{who}_NAME"] = "bench"
        os.environ[f"GIT_{who}_EMAIL"] = "bench@localhost"
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    # The working tree's template, outside git (copier would render the last commit of a checkout).
    template = work / "template"
    template.mkdir()
    for name in ("copier.yml", "catalog.yml"):
        shutil.copy2(REPO / name, template / name)
    shutil.copytree(REPO / "templates", template / "templates")
    rows = []
    try:
        for name in options.framework or [fw.name for fw in READY]:
            combination = load_combination(name)
            framework = CATALOG.framework(name)
            root = generate(combination, work / name, template)
            install(root)
            if "migrate" in framework.make:
                run(["make", "migrate"], root, env)
            with serving(root, "serve", env) as server:
                if "api" in combination.features:
                    add_notes(server.url, framework.pages["api"], NOTES)
                for path in paths_under_load(framework.pages, combination.features):
                    load(server.url, path, 1, options.connections)  # warm-up
                    result = load(server.url, path, options.seconds, options.connections)
                    rows.append((framework.label, result))
                    print(
                        f"{framework.label:<10}{path:<14}{result.per_second:>10.0f}/s"
                        f"{result.p50_ms:>9.1f} ms{result.p99_ms:>9.1f} ms  errors {result.error_count}",
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    errors = sum(result.error_count for _, result in rows)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%d %H:%M"),
                "machine": f"{os.cpu_count()} cores, {platform.machine()}",
                "load_average_at_end": os.getloadavg(),
                "seconds": options.seconds,
                "connections": options.connections,
                "python": sys.version.split()[0],
                "results": [
                    {
                        "framework": label,
                        "path": result.path,
                        "requests_per_second": round(result.per_second),
                        "p50_ms": result.p50_ms,
                        "p99_ms": result.p99_ms,
                        "requests": result.requests,
                        "errors": result.errors,
                    }
                    for label, result in rows
                ],
            },
            indent=2,
        )
    )
    print("\n| Framework | Path | Requests/s | p50 | p99 | Errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, result in rows:
        print(
            f"| {label} | `{result.path}` | {result.per_second:.0f} | {result.p50_ms:.1f} ms "
            f"| {result.p99_ms:.1f} ms | {result.error_count} |"
        )
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
