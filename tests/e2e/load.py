"""A bounded load on a server on this machine's loopback, with wrk (Debian's package).

wrk is a C client on an event loop: on a 2-core machine it leaves the server nearly all of the
CPU, where a Python client would compete with it for a core and measure itself. Each run has a
fixed duration and a fixed number of connections, targets 127.0.0.1 only, and ends by itself.
Every response must be a 200: a small Lua script counts the others, and wrk counts socket errors
and time-outs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

# Per thread, count what was not a 200; at the end, print one JSON line of the figures.
SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "not_200": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), not_ok,
    e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """What one load run measured."""

    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def missing() -> str | None:
    """Why no load can be run here, or None."""
    return None if shutil.which("wrk") else "no wrk on this machine: apt-get install wrk"


def load(base_url: str, path: str, seconds: int, connections: int) -> Load:
    """GET `path` from a server on 127.0.0.1 over `connections` connections for `seconds`."""
    host = urllib.parse.urlsplit(base_url).hostname
    if host != "127.0.0.1":
        raise ValueError(f"load runs only against 127.0.0.1, not {host}")
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "count.lua"
        script.write_text(SCRIPT)
        done = subprocess.run(
            ["wrk", "--threads", "1", "--connections", str(connections),
             "--duration", f"{seconds}s", "--timeout", "5s", "--script", str(script),
             base_url.rstrip("/") + path],
            capture_output=True, text=True, timeout=seconds + 60,
        )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    figures = json.loads(lines[-1].removeprefix("RESULT "))
    return Load(
        path=path,
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors={
            name: figures[name]
            for name in ("not_200", "connect", "read", "write", "timeout")
            if figures[name]
        },
    )


def paths_under_load(pages: dict[str, str], features: tuple[str, ...]) -> list[str]:
    """The paths a load run covers: /health, the home page, and the API listing with `api`."""
    return ["/health", "/", *([pages["api"]] if "api" in features else [])]
