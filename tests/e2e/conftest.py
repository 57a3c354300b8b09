"""Machinery for running generated projects for real: installers, servers and a PostgreSQL cluster.

Every server runs in its own process group on 127.0.0.1 and is stopped through that group's id.
Tests of one combination share its generated, installed project (`installed_project`): they carry
the same xdist group, so they run one after the other in the same worker process.
"""

from __future__ import annotations

import contextlib
import glob
import http.server
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest
from packaging.specifiers import SpecifierSet

import scaffold
from scaffold.catalog import Framework

from ..conftest import CATALOG, REPO, Combination, clean_environ, set_git_identity

SERVER_START_TIMEOUT = 60
PROJECT_NAME = "Shop Front"


def unavailable(reason: str) -> NoReturn:
    """Skip the test because something it needs is missing here; fail instead under
    SCAFFOLD_REQUIRE_TOOLS=1, as .ci/run sets it, where everything must run."""
    if os.environ.get("SCAFFOLD_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (SCAFFOLD_REQUIRE_TOOLS=1: nothing may be skipped)")
    pytest.skip(reason)


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


def project_python(project: Path) -> str:
    """An interpreter the project accepts: this one, else its minimum version (PATH or pyenv)."""
    requires = tomllib.loads((project / "pyproject.toml").read_text())["project"]["requires-python"]
    if SpecifierSet(requires).contains(platform.python_version()):
        return sys.executable
    minimum = re.search(r">=\s*(\d+\.\d+)", requires).group(1)
    python = find_python(minimum)
    if python is None:
        pytest.skip(f"no Python {minimum} interpreter on this machine (PATH or ~/.pyenv)")
    return python


def extras_for_tests(project: Path) -> str:
    """The extras its tests need: dev, and browser where the project has a browser test."""
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    extras = metadata.get("optional-dependencies", {})
    return ",".join(name for name in ("dev", "browser") if name in extras)


def install(project: Path, python: str | None = None, tool: str = "uv") -> None:
    """Create project/.venv with `python` (by default one the project accepts) and install the
    project with the extras of its tests: with uv as `make install` does (the first install writes
    uv.lock, the next ones install what it pins), with pip the newest versions within the ranges."""
    python = python or project_python(project)
    venv_python = str(project / ".venv" / "bin" / "python")
    target = f".[{extras_for_tests(project)}]"
    if tool == "uv":
        uv = uv_executable()
        assert uv, "uv is not installed"
        extras = [arg for name in extras_for_tests(project).split(",") for arg in ("--extra", name)]
        run([uv, "sync", "--quiet", *extras, "--python", python], project)
    else:
        run([python, "-m", "venv", ".venv"], project)
        run([venv_python, "-m", "pip", "install", "--quiet", "-e", target], project)


def normalized(name: str) -> str:
    """A distribution's name as uv.lock writes it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(root: Path) -> dict[str, set[str]]:
    """The versions uv.lock pins, by package (a universal lock may hold several of one)."""
    pinned: dict[str, set[str]] = {}
    for package in tomllib.loads((root / "uv.lock").read_text())["package"]:
        if "version" in package:
            pinned.setdefault(package["name"], set()).add(package["version"])
    return pinned


def not_locked(installed: dict[str, str], root: Path) -> dict[str, str]:
    """Of the distributions `installed` ({name: version}), those at a version root/uv.lock does
    not pin (entries without a version, such as an editable project, are left out)."""
    pinned = locked_versions(root)
    return {
        normalized(name): version
        for name, version in installed.items()
        if version and version not in pinned.get(normalized(name), set())
    }


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
    method: str | None = None,
    body: bytes | None = None,
) -> Response:
    """GET `url` (or POST `form`, URL-encoded, or send `body` with `method`) with `headers`,
    without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = urllib.parse.urlencode(form).encode() if form is not None else body
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=timeout) as answer:
            status, raw_headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, body = error.code, error.headers, error.read()
    received: dict[str, list[str]] = {}
    for name, value in raw_headers.items():
        received.setdefault(name.lower(), []).append(value)
    return Response(status, received, body.decode(errors="replace"))


def cookies_of(response_headers: dict[str, list[str]]) -> dict[str, str]:
    """The cookies a response sets, by name."""
    found = {}
    for header in response_headers.get("set-cookie", []):
        name, _, rest = header.partition("=")
        found[name] = rest.split(";", 1)[0]
    return found


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    """A Cookie request header sending `cookies`."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


@contextlib.contextmanager
def stub_server(answer: Callable[[str, int], tuple[int, str, bytes]]) -> Iterator[str]:
    """A tiny HTTP/1.1 server on 127.0.0.1, in a thread, for checking the checkers; its URL.

    `answer(path, port)` gives the status, content type and body of a GET.
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, content_type, body = answer(self.path, self.server.server_address[1])
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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
            unavailable(
                "no PostgreSQL server binaries (initdb, postgres) here: apt-get install postgresql"
            )
        self.bin = binaries
        self.root = root
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.process: subprocess.Popen[bytes] | None = None
        self.created = 0

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
        """A new, empty database named after `name` (numbered, so that two tests asking for the
        same name each get their own); its URL."""
        self.created += 1
        name = f"{name[:55]}_{self.created}"
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


def module_project(combination: Combination, root: Path, template: Path) -> Path:
    """Generate `combination` in `root` (with its own scaffold data and git identity) and install
    it: a project that a module's tests share, made outside any one test's fixtures."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCAFFOLD_DATA_DIR", str(root / "scaffold-data"))
        set_git_identity(patch)
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


def generate(combination: Combination, output: Path, template: Path) -> Path:
    """Generate `combination` as the project "Shop Front" in `output`; its directory."""
    project = scaffold.create(
        "shop-front",
        framework=combination.framework,
        database=combination.database,
        features=combination.features,
        data=[f"project_name={PROJECT_NAME}"],
        output_dir=output,
        template=str(template),
    )
    return project.path


def database_environment(
    combination: Combination, request: pytest.FixtureRequest
) -> dict[str, str]:
    """For PostgreSQL projects, fresh databases for the tests and for the servers."""
    if combination.database != "postgresql":
        return {}
    postgres = request.getfixturevalue("postgres")
    name = re.sub(r"\W", "_", combination.id)
    return {
        "TEST_DATABASE_URL": postgres.create_database(f"test_{name}"),
        "DATABASE_URL": postgres.create_database(f"app_{name}"),
    }


@dataclass(frozen=True)
class Project:
    """A generated, installed and migrated project, and the environment its commands run in."""

    root: Path
    combination: Combination
    env: dict[str, str]

    @property
    def framework(self) -> Framework:
        """The project's framework, from the catalog."""
        return CATALOG.framework(self.combination.framework)


@pytest.fixture(scope="session")
def installed_project(
    template_copy: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[Combination], Project]:
    """A function giving the project of a combination, made once per test process."""
    made: dict[Combination, Project] = {}
    home = tmp_path_factory.mktemp("scaffold-data")

    def get(combination: Combination) -> Project:
        if combination not in made:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("SCAFFOLD_DATA_DIR", str(home))
                set_git_identity(patch)
                root = generate(combination, tmp_path_factory.mktemp(combination.id), template_copy)
            install(root)
            env = clean_environ(**database_environment(combination, request))
            framework = CATALOG.framework(combination.framework)
            if "migrate" in framework.make and combination.database != "none":
                run(["make", "migrate"], root, env)
            made[combination] = Project(root, combination, env)
        return made[combination]

    return get
