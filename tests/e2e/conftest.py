"""Machinery for running generated projects for real: installers, servers and a PostgreSQL cluster.

Every server runs in its own process group on 127.0.0.1 and is stopped through that group's id.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import REPO, clean_environ

SERVER_START_TIMEOUT = 60


def uv_executable() -> str | None:
    """uv from PATH, or the one installed beside this interpreter (the `uv` package)."""
    beside = Path(sys.executable).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.is_file() else None)


def find_python(version: str) -> str | None:
    """An interpreter of `version` (X.Y): the running one, one on PATH, or one pyenv holds."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(
        glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}"))
    )
    for candidate in filter(None, candidates):
        done = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> str:
    """Run a command; fail the test with its output when it fails."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env or clean_environ(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(command)}` exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def install(project: Path, python: str = sys.executable, tool: str = "uv") -> None:
    """Create project/.venv with `python` and install the project with its dev extra."""
    venv_python = str(project / ".venv" / "bin" / "python")
    if tool == "uv":
        uv = uv_executable()
        assert uv, "uv is not installed"
        run([uv, "venv", "--quiet", "--python", python, ".venv"], project)
        run([uv, "pip", "install", "--quiet", "--python", venv_python, "-e", ".[dev]"], project)
    else:
        run([python, "-m", "venv", ".venv"], project)
        run([venv_python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"], project)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    """What an HTTP request returned."""

    status: int
    headers: dict[str, list[str]]
    body: str

    def json(self) -> object:
        """The body, parsed as JSON."""
        return json.loads(self.body)


def fetch(
    url: str,
    timeout: float = 10,
    *,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """GET `url` (or POST `form`, URL-encoded) with `headers`, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as answer:
            status, raw_headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, body = error.code, error.headers, error.read()
    received: dict[str, list[str]] = {}
    for name, value in raw_headers.items():
        received.setdefault(name.lower(), []).append(value)
    return Response(status, received, body.decode(errors="replace"))


class Server:
    """`make <target>` in a project, in its own process group, until stopped."""

    def __init__(self, project: Path, target: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = project / f".{target}-{self.port}.log"
        self._log_file = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["make", target, "HOST=127.0.0.1", f"PORT={self.port}"],
            cwd=project,
            env={**env, "HOST": "127.0.0.1", "PORT": str(self.port)},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_healthy(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        """Wait until /health answers 200; fail with the server's log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(OSError):
                if fetch(self.url + "/health", timeout=2).status == 200:
                    return
            time.sleep(0.2)
        pytest.fail(f"the server did not answer /health within {timeout}s:\n{self.output()}")

    def wait_for_output(self, text: str, times: int = 1, timeout: float = 30) -> None:
        """Wait until the server has printed `text` `times` times; fail with its log if not."""
        deadline = time.monotonic() + timeout
        while self.output().count(text) < times:
            if time.monotonic() > deadline:
                pytest.fail(f"the server never printed {text!r}:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        """What the server printed so far."""
        self._log_file.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL if it lingers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        # Workers that outlived their parent still belong to the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log_file.close()


@contextlib.contextmanager
def serving(project: Path, target: str, env: dict[str, str]) -> Iterator[Server]:
    """A running, healthy `make <target>` server for the duration of the block."""
    server = Server(project, target, env)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()


class PostgreSQL:
    """A throwaway PostgreSQL cluster on 127.0.0.1, run as the `postgres` user when we are root."""

    def __init__(self, root: Path) -> None:
        binaries = find_postgres_binaries()
        if binaries is None:
            pytest.skip(
                "no PostgreSQL server binaries (initdb, postgres) here: apt-get install postgresql"
            )
        self.bin = binaries
        self.root = root
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        data, sockets = self.root / "data", self.root / "sockets"
        sockets.mkdir(parents=True)
        if self.as_user:
            shutil.chown(self.root, "postgres")
            shutil.chown(sockets, "postgres")
        subprocess.run(
            [*self.as_user, str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*self.as_user, str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port),
             "-k", str(sockets), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        pytest.fail("PostgreSQL did not start:\n" + (self.root / "server.log").read_text())

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        subprocess.run(
            [
                str(self.bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
        )
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Fast shutdown through the process group, then make sure nothing is left."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.log.close()
        self.process = None


def find_postgres_binaries() -> Path | None:
    """The directory holding initdb and postgres, if this machine has them."""
    candidates = [Path(p).resolve().parent for p in filter(None, [shutil.which("initdb")])]
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if all(
            (directory / name).exists() for name in ("initdb", "postgres", "pg_isready", "createdb")
        ):
            return directory
    return None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgreSQL]:
    """One PostgreSQL server for the whole session; each test creates its own database."""
    # Not under pytest's temporary directories: those are private to us, and the server runs as
    # the postgres user.
    root = Path(tempfile.mkdtemp(prefix="scaffold-postgres-"))
    try:
        cluster = PostgreSQL(root)
        cluster.start()
        yield cluster
        cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def installed_project(combination: object, root: Path, template: Path) -> Path:
    """Generate `combination` in `root` (with its own scaffold data and git identity) and install
    it: a project that a module's tests share, made outside any one test's fixtures."""
    from .test_projects import generate

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCAFFOLD_DATA_DIR", str(root / "scaffold-data"))
        for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
            patch.setenv(variable, "Test Author")
        for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
            patch.setenv(variable, "test@example.com")
        path = generate(combination, root, template)
    install(path)
    return path


def checkout_copy(destination: Path) -> Path:
    """The files a fresh clone would have, with the working tree's changes."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return destination
