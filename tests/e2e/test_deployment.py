"""What a deployment meets, for every ready framework, on live servers and the image's commands.

The production server answers /health whatever the Host header and without a cookie, names no
framework or version, leads /favicon.ico to the project's icon, believes X-Forwarded-Proto
only from FORWARDED_ALLOW_IPS, and its JSON API answers the README's statuses. The Dockerfile's
steps, run without Docker, install the dependencies, serve the code from the image's /app, and
its HEALTHCHECK passes with production settings alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pytest

from ..conftest import CATALOG, READY, Combination, clean_environ, set_git_identity
from .conftest import Response, fetch, find_python, free_port, install, serving, uv_executable
from .test_projects import generate

pytestmark = pytest.mark.e2e

HOST = "example.com"
# Server headers that give away the framework, its server or a version.
TELLING_SERVER = re.compile(
    r"(?i)django|emmett|cherrypy|cheroot|bottle|web2py|dash|flask|werkzeug|/\s*\d"
)
# What production needs beyond .env on this machine: for Django, a public host name and the
# redirect of plain HTTP to HTTPS, as on a server (the other frameworks ignore both).
PRODUCTION = {"DJANGO_ALLOWED_HOSTS": HOST, "DJANGO_SECURE_SSL_REDIRECT": "True"}
# A proxy's headers for a request that reached it over HTTPS.
FORWARDED_HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


PACKAGE = "shop_front"


@dataclass
class Project:
    """A generated and installed project of one framework."""

    root: Path
    combination: Combination
    pages: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module", params=[fw.name for fw in READY])
def project(
    request: pytest.FixtureRequest,
    template_copy: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Project]:
    """A project of each ready framework with the API and Docker, generated and installed once."""
    framework = CATALOG.framework(request.param)
    combination = Combination(framework.name, "sqlite", ("api", "docker"))
    root = tmp_path_factory.mktemp(combination.id)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCAFFOLD_DATA_DIR", str(root / "scaffold-data"))
        set_git_identity(patch)
        path = generate(combination, root, template_copy)
    install(path)
    if "migrate" in framework.make:
        run_make(path, "migrate")
    yield Project(path, combination, dict(framework.pages))


def run_make(root: Path, target: str) -> None:
    done = subprocess.run(
        ["make", target], cwd=root, env=clean_environ(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def call(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request with any method and body, without following redirects."""
    sent = {**(headers or {}), **({"Content-Type": content_type} if content_type else {})}
    return fetch(url, headers=sent, method=method, body=body)


def test_health_answers_any_host_without_a_cookie_and_no_server_tells(project: Project) -> None:
    env = clean_environ(**PRODUCTION)
    with serving(project.root, "serve", env) as server:
        for host in ("10.1.2.3:8000", "203.0.113.5", HOST):
            health = fetch(server.url + "/health", headers={"Host": host})
            assert health.status == 200, (host, health.body)
            assert health.json() == {"status": "ok"}
            assert "set-cookie" not in health.headers, health.headers["set-cookie"]
        for path in ("/", "/health", "/no-such-page", project.pages["api"]):
            answer = fetch(server.url + path, headers=FORWARDED_HTTPS)
            for value in answer.headers.get("server", []):
                assert not TELLING_SERVER.search(value), (path, value)


def test_the_favicon_is_the_projects_own(project: Project) -> None:
    with serving(project.root, "serve", clean_environ(**PRODUCTION)) as server:
        home = fetch(server.url + "/", headers=FORWARDED_HTTPS)
        assert home.status == 200
        icon = re.search(r'<link rel="icon" href="([^"]+)"', home.body)
        assert icon, "the home page names no icon"
        svg = fetch(server.url + icon.group(1), headers=FORWARDED_HTTPS)
        assert svg.status == 200
        assert svg.headers["content-type"][0].startswith("image/svg+xml")
        legacy = fetch(server.url + "/favicon.ico", headers=FORWARDED_HTTPS)
        assert legacy.status == 301
        target = urllib.parse.urljoin(f"https://{HOST}/favicon.ico", legacy.headers["location"][0])
        assert urllib.parse.urlsplit(target).path == icon.group(1)


def location(answer: Response, base: str) -> str:
    """Where a redirect leads, as an absolute URL."""
    return urllib.parse.urljoin(base, answer.headers["location"][0])


def test_only_the_trusted_proxies_say_a_request_came_over_https(project: Project) -> None:
    base = f"http://{HOST}/favicon.ico"
    trusted = clean_environ(**PRODUCTION, FORWARDED_ALLOW_IPS="127.0.0.1")
    with serving(project.root, "serve", trusted) as server:
        forwarded = fetch(server.url + "/favicon.ico", headers=FORWARDED_HTTPS)
        assert forwarded.status == 301
        target = urllib.parse.urlsplit(location(forwarded, f"https://{HOST}/favicon.ico"))
        assert (target.scheme, target.netloc) == ("https", HOST)
        assert target.path.endswith(".svg")  # the icon, wherever the framework serves it from
    # The same headers from an address that is not a trusted proxy change nothing.
    untrusted = clean_environ(**PRODUCTION, FORWARDED_ALLOW_IPS="192.0.2.1")
    with serving(project.root, "serve", untrusted) as server:
        plain = fetch(server.url + "/favicon.ico", headers={"Host": HOST})
        forged = fetch(server.url + "/favicon.ico", headers=FORWARDED_HTTPS)
        assert (forged.status, location(forged, base)) == (plain.status, location(plain, base))


def items_of(page: object) -> list[object]:
    """The list of notes in a page of the API, whatever the framework calls it."""
    assert isinstance(page, dict), page
    (found,) = [value for value in page.values() if isinstance(value, list)]
    return found


def test_the_api_answers_the_same_statuses_as_every_framework(project: Project) -> None:
    listing = project.pages["api"]
    slash = "/" if listing.endswith("/") else ""
    with serving(project.root, "serve", clean_environ(**PRODUCTION)) as server:
        api = server.url + listing

        def send(
            method: str,
            url: str,
            body: object = None,
            raw: bytes | None = None,
            content_type: str | None = "application/json",
        ) -> Response:
            data = raw if raw is not None else None if body is None else json.dumps(body).encode()
            answer = call(url, method, data, content_type, FORWARDED_HTTPS)
            assert isinstance(answer.json(), dict), (method, url, answer.status, answer.body)
            return answer

        created = send("POST", api, {"title": "Hello", "body": "World"})
        assert created.status == 201, created.body
        note = created.json()
        assert send("GET", api).status == 200
        unknown = f"{api.rstrip('/')}/999999{slash}"
        assert send("GET", unknown).status == 404
        assert send("POST", api, raw=b"{not json").status == 400
        form = send(
            "POST", api, raw=b"title=Hello", content_type="application/x-www-form-urlencoded"
        )
        assert form.status == 415
        for wrong in (123, None, [1, 2], [["title", "x"]], {}, {"title": ""}, {"title": 5},
                      {"title": "ok", "body": []}):  # fmt: skip
            answer = send("POST", api, raw=json.dumps(wrong).encode())
            assert answer.status == 422, (wrong, answer.status, answer.body)
        own = f"{api.rstrip('/')}/{note['id']}{slash}"
        assert send("DELETE", own).status == 405
        assert send("PUT", own, {"title": "Changed"}).status == 405
        for number in range(110):
            assert send("POST", api, {"title": f"note {number}"}).status == 201
        asked = send("GET", f"{api}?limit=1000&page_size=1000")
        assert asked.status == 200
        assert 0 < len(items_of(asked.json())) <= 100


@pytest.mark.parametrize("framework", [fw.name for fw in READY])
def test_a_write_without_a_logged_in_session_is_a_401(
    framework: str, template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    combination = Combination(framework, "sqlite", ("auth", "api"))
    root = generate(combination, tmp_path, template_copy)
    install(root)
    if "migrate" in CATALOG.framework(framework).make:
        run_make(root, "migrate")
    api = CATALOG.framework(framework).pages["api"]
    with serving(root, "serve", clean_environ(**PRODUCTION)) as server:
        body = json.dumps({"title": "Anonymous"}).encode()
        answer = call(server.url + api, "POST", body, "application/json", FORWARDED_HTTPS)
        assert answer.status == 401, answer.body
        assert isinstance(answer.json(), dict)


# The Dockerfile's steps, run on this machine: the image's directories become directories of a
# temporary root, and `python` the interpreter of the Python version the image names.
@dataclass
class Image:
    """What the Dockerfile's steps made: its root, environment, command and health check."""

    root: Path
    env: dict[str, str]
    command: list[str]
    healthcheck: list[str]
    workdir: Path


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def build_image(project: Path, root: Path) -> Image:
    """Run the Dockerfile's instructions with its directories under `root`; the result."""
    dockerfile = (project / "Dockerfile").read_text()
    version = re.search(r"^ARG PYTHON_VERSION=(\S+)$", dockerfile, re.MULTILINE).group(1)
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter on this machine (PATH or ~/.pyenv)")
    shims = root / "shims"
    shims.mkdir(parents=True)
    for name in ("python", "python3"):
        (shims / name).symlink_to(python)
    for tool in ("useradd", "chown"):  # no users to create or give files to here
        (shims / tool).write_text("#!/bin/sh\nexit 0\n")
        (shims / tool).chmod(0o755)
    # The image's pip installs into its Python; here, into a virtual environment of the build's
    # own, whose programs (uv) then join the shims, so that this machine's Pythons stay as they are.
    tools = root / "build-tools"
    (shims / "pip").write_text(
        f'#!/bin/sh\nset -e\n[ -d {tools} ] || "{python}" -m venv {tools}\n'
        f'{tools}/bin/pip "$@"\nfor program in {tools}/bin/uv*; do '
        f'ln -sf "$program" {shims}/; done\n'
    )
    (shims / "pip").chmod(0o755)
    ignored = [line.strip() for line in (project / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]  # fmt: skip

    def mapped(text: str) -> str:
        return re.sub(r"(?<![\w.])/(opt/venv|app|src)\b", lambda m: f"{root}/{m.group(1)}", text)

    base = {"PATH": f"{shims}:{os.environ['PATH']}", "HOME": str(root)}
    # What the stand-in base images carry too: this machine's CA bundle, for its TLS setup.
    if "SSL_CERT_FILE" in os.environ:
        base["SSL_CERT_FILE"] = os.environ["SSL_CERT_FILE"]
    # The image's cache mount keeps uv's cache between builds: here, this machine's uv cache.
    uv = uv_executable()
    assert uv, "the test dependencies include uv"
    base["UV_CACHE_DIR"] = subprocess.run(
        [uv, "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    env, workdir = dict(base), root
    command: list[str] = []
    healthcheck: list[str] = []
    for keyword, rest in instructions(dockerfile):
        if keyword == "FROM":
            env, workdir = dict(base), root
        elif keyword == "ARG" and "=" in rest:
            # A stage's build arguments are in its RUN steps' environment.
            name, _, value = rest.partition("=")
            env[name] = value
        elif keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = mapped(value).replace("$PATH", env["PATH"])
        elif keyword == "WORKDIR":
            workdir = Path(mapped(rest))
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY" and rest.startswith("--from="):
            continue  # the build stage wrote to the same directory
        elif keyword == "COPY":
            *sources, destination = rest.split()
            for source in sources:
                copy_context(project, source, workdir / destination, ignored)
        elif keyword == "RUN":
            # A cache mount only speeds builds up: here, uv's own cache serves.
            rest = re.sub(r"^(--mount=\S+\s+)+", "", rest)
            done = subprocess.run(["sh", "-c", mapped(rest)], cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=900)  # fmt: skip
            assert done.returncode == 0, f"RUN {rest}\n{done.stdout}\n{done.stderr}"
        elif keyword == "HEALTHCHECK":
            healthcheck = json.loads(rest[rest.index("CMD") + 3 :])
        elif keyword == "CMD":
            command = json.loads(rest)
    return Image(root, env, command, healthcheck, workdir)


def copy_context(project: Path, source: str, destination: Path, ignored: list[str]) -> None:
    """COPY from the build context, leaving out what .dockerignore names."""

    def left_out(relative: str) -> bool:
        parts = relative.split("/")
        return any(
            fnmatch(relative, pattern.removeprefix("**/"))
            or any(fnmatch(part, pattern.removeprefix("**/")) for part in parts)
            or relative.startswith(pattern.rstrip("/") + "/")
            for pattern in ignored
        )

    if source != ".":
        destination.mkdir(parents=True, exist_ok=True)
        # A pattern may match nothing (`uv.lock*` without a lock), as long as the COPY has a file.
        for path in project.glob(source):
            shutil.copy2(path, destination / path.name)
        return
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and not left_out(relative):
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination / relative)


@contextlib.contextmanager
def running(image: Image, env: dict[str, str]) -> Iterator[str]:
    """The image's command, in its own process group; its URL until the block ends."""
    port = free_port()
    log = image.root / f"command-{port}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            image.command, cwd=image.workdir, env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError):
                if fetch(url + "/health", timeout=2).status == 200:
                    break
            time.sleep(0.3)
        else:
            pytest.fail(f"the image's command never served /health:\n{log.read_text()}")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_the_images_commands_serve_the_code_from_app_and_its_healthcheck_passes(
    project: Project, tmp_path: Path
) -> None:
    image = build_image(project.root, tmp_path / "image")
    framework = CATALOG.framework(project.combination.framework)
    # Production settings alone: the image's environment, a secret and the public host name.
    env = {**image.env, framework.secret: secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": HOST}
    # The project's code, where the catalog says it lives (its package, or web2py's application
    # folder, a package too), is imported from /app.
    app = tmp_path / "image" / "app"
    folders = [framework.package_path(PACKAGE)] + (["config"] if framework.name == "django" else [])
    for folder in folders:
        module = folder.replace("/", ".")
        where = subprocess.run(
            ["python", "-c", f"import {module}; print({module}.__file__)"],
            cwd=image.workdir, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert where.returncode == 0, where.stderr
        assert Path(where.stdout.strip()).parent == app / folder, where.stdout
    with running(image, {**env, "WEB_CONCURRENCY": "2"}) as url:
        probe = subprocess.run(image.healthcheck, cwd=image.workdir, env={**env, "PORT": url.rsplit(":", 1)[1]},
                               capture_output=True, text=True, timeout=30)  # fmt: skip
        assert probe.returncode == 0, probe.stderr
        home = fetch(url + "/", headers=FORWARDED_HTTPS)
        assert home.status == 200, home.body
        assert "Shop Front" in home.body
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.body).group(1)
        assert fetch(url + stylesheet, headers=FORWARDED_HTTPS).status == 200
