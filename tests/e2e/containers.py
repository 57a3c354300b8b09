"""A container engine that runs on this machine kind: podman with runc, and stand-in base images.

No container registry is reachable here, so `FROM python:X.Y-slim` is served by a stand-in built
like the official image: a minimal Debian (debootstrap) with the libraries CPython needs, and a
CPython build of this machine (a pyenv version) at /usr/local. Generated Dockerfiles then build
unchanged.

The engine keeps its storage in a cache directory of its own ($SCAFFOLD_TEST_CACHE, else
~/.cache/scaffold-tests/containers), never the machine's default one: the Debian tree and the
stand-in images stay there across runs, so only the first run pays for them. Its settings
(runc, cgroupfs, host networking, file locks) are in files named by CONTAINERS_CONF and
CONTAINERS_STORAGE_CONF, so nothing global changes. Every container and image a test makes is
removed by its id or tag.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import fetch, find_python, unavailable

SUITE = "bookworm"
# The shared libraries CPython's modules link against, as the official slim images install them.
RUNTIME_PACKAGES = (
    "ca-certificates", "libbz2-1.0", "libexpat1", "libffi8", "libgdbm6", "liblzma5",
    "libncursesw6", "libreadline8", "libsqlite3-0", "libssl3", "libuuid1", "netbase", "tzdata",
    "zlib1g",
)  # fmt: skip
# Bump when the way stand-ins are made changes, so cached ones are made again.
RECIPE = "1"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def cache_root() -> Path:
    """Where the engine's storage and the Debian tree are kept across runs."""
    base = os.environ.get("SCAFFOLD_TEST_CACHE") or Path.home() / ".cache" / "scaffold-tests"
    return Path(base) / "containers"


def missing() -> str | None:
    """Why no container can be built and run here, or None."""
    for tool in ("podman", "runc", "debootstrap"):
        if not shutil.which(tool):
            return f"no {tool} on this machine: apt-get install {tool}"
    if os.geteuid() != 0:
        return "building the stand-in base images (debootstrap, chroot) needs root"
    return None


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses."""
    for path in [Path("/etc/apt/sources.list"), *map(Path, glob.glob("/etc/apt/sources.list.d/*"))]:
        with contextlib.suppress(OSError):
            text = path.read_text()
            found = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.MULTILINE) or re.search(
                r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s", text, re.MULTILINE
            )
            if found:
                return found.group(1)
    return "http://deb.debian.org/debian"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path`, shared by every test process and run on this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_logged(command: list[str], what: str, timeout: float = 900, **kwargs) -> str:
    """Run a setup command; fail the test with its output when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        pytest.fail(
            f"{what}: `{' '.join(command)}` exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


@dataclass
class Container:
    """A running container, reached on 127.0.0.1:port (host networking)."""

    engine: Engine
    id: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        done = self.engine.podman("logs", self.id, check=False)
        return done.stdout + done.stderr

    def running(self) -> bool:
        done = self.engine.podman("inspect", "--format", "{{.State.Running}}", self.id, check=False)
        return done.stdout.strip() == "true"

    def wait_until_healthy(self, timeout: float = 120) -> None:
        """Wait until /health answers 200; fail with the container's log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                pytest.fail(f"the container stopped:\n{self.logs()}")
            with contextlib.suppress(OSError):
                status = fetch(self.url + "/health", timeout=3).status
                if status == 200:
                    return
                if 400 <= status < 500:  # a refusal, not a server still starting
                    break
            time.sleep(0.5)
        answer = "no answer"
        with contextlib.suppress(OSError):
            answer = str(fetch(self.url + "/health", timeout=3).status)
        pytest.fail(f"/health did not answer 200 ({answer}):\n{self.logs()}")

    def processes(self) -> list[tuple[str, str]]:
        """(user, command) of every process in the container."""
        listed = self.engine.podman("top", self.id, "user", "args").stdout.splitlines()
        return [tuple(line.split(None, 1)) for line in listed[1:] if line.strip()]

    def remove(self) -> None:
        self.engine.podman("stop", "--time", "10", self.id, check=False)
        self.engine.podman("rm", "--force", self.id, check=False)


class Engine:
    """podman with this machine kind's settings and a storage of its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        storage = root / "storage"
        hard = subprocess.run(["sh", "-c", "ulimit -Hn"], capture_output=True, text=True)
        nofile = hard.stdout.strip() or "1024"
        settings = root / "settings"
        settings.mkdir(parents=True, exist_ok=True)
        # crun cannot raise the file and process limits past this sandbox's hard limits, and
        # refuses its cgroups; runc with cgroupfs works. Host networking needs no bridge. File
        # locks, and directories of our own, keep this engine apart from any other on the machine.
        (settings / "containers.conf").write_text(
            "[containers]\n"
            f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc=32768:32768"]\n'
            'netns = "host"\n'
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            'lock_type = "file"\n'
            f'tmp_dir = "{root / "tmp"}"\n'
            f'static_dir = "{storage / "libpod"}"\n'
            f'volume_path = "{storage / "volumes"}"\n'
        )
        (settings / "storage.conf").write_text(
            f'[storage]\ndriver = "overlay"\ngraphroot = "{storage}"\nrunroot = "{root / "run"}"\n'
        )
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(settings / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(settings / "storage.conf"),
        }

    def podman(
        self, *args: str, check: bool = True, timeout: float = 900
    ) -> subprocess.CompletedProcess:
        """Run `podman *args` with this engine's settings."""
        done = subprocess.run(
            ["podman", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"`podman {' '.join(args)}` exited {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done

    # Stand-in base images

    def debian(self) -> Path:
        """A minimal Debian tree with CPython's runtime libraries, made once and kept."""
        key = hashlib.sha256(" ".join([SUITE, *RUNTIME_PACKAGES]).encode()).hexdigest()[:12]
        tree = self.root / f"debian-{SUITE}-{key}"
        if tree.is_dir():
            return tree
        partial = Path(tempfile.mkdtemp(prefix="debian-", dir=self.root))
        try:
            run_logged(
                ["debootstrap", "--variant=minbase", SUITE, str(partial), debian_mirror()],
                "debootstrap",
            )
            script = (
                "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                f"--no-install-recommends {' '.join(RUNTIME_PACKAGES)} "
                "&& apt-get clean && rm -rf /var/lib/apt/lists/*"
            )
            run_logged(["chroot", str(partial), "sh", "-c", script], "installing runtime libraries")
            partial.rename(tree)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return tree

    def ensure_base(self, version: str) -> None:
        """Make the stand-in `python:<version>-slim` unless the engine holds an up-to-date one."""
        tag = f"docker.io/library/python:{version}-slim"
        with locked(self.root / "base-images.lock"):
            python = find_python(version)
            if python is None:
                unavailable(f"no Python {version} build on this machine to stand in for {tag}")
            prefix = Path(
                subprocess.run(
                    [python, "-c", "import sys; print(sys.base_prefix)"],
                    capture_output=True, text=True, check=True,
                ).stdout.strip()
            )  # fmt: skip
            if str(prefix) in {"/usr", "/usr/local"}:
                unavailable(
                    f"Python {version} here is a system install, not a tree to copy into {tag}"
                )
            stamp = hashlib.sha256(
                f"{RECIPE} {prefix} {sorted(os.listdir(prefix))} {RUNTIME_PACKAGES}".encode()
            ).hexdigest()[:16]
            label = self.podman(
                "image", "inspect", "--format", '{{index .Labels "scaffold.stand-in"}}', tag,
                check=False,
            )  # fmt: skip
            if label.returncode == 0 and label.stdout.strip() == stamp:
                return
            self._make_base(tag, version, prefix, stamp)

    def _make_base(self, tag: str, version: str, prefix: Path, stamp: str) -> None:
        tree = Path(tempfile.mkdtemp(prefix="stand-in-", dir=self.root))
        try:
            # cp, not copytree: the tree holds device nodes (/dev/null, /dev/zero, ...).
            run_logged(["cp", "-a", f"{self.debian()}/.", str(tree)], "copying the Debian tree")
            local = tree / "usr" / "local"
            # Only CPython itself: the official image has no other packages, no test suites, no
            # static library; pip comes from ensurepip, as the official image installs its own.
            for name in ("include", "lib", "share"):
                if (prefix / name).is_dir():
                    shutil.copytree(
                        prefix / name, local / name, symlinks=True, dirs_exist_ok=True,
                        ignore=_not_in_image(prefix / "lib" / f"python{version}"),
                    )  # fmt: skip
            (local / "lib" / f"python{version}" / "site-packages").mkdir(exist_ok=True)
            for entry in (prefix / "bin").iterdir():
                if re.match(r"(python|pydoc|idle|2to3)", entry.name):
                    shutil.copy2(entry, local / "bin" / entry.name, follow_symlinks=False)
            # The host's CA bundle: pip inside a build then trusts this machine's TLS setup.
            shutil.copy2(HOST_CA_BUNDLE, tree / "etc" / "ssl" / "certs" / "ca-certificates.crt")
            (tree / "etc" / "pip.conf").write_text(f"[global]\ncert = {HOST_CA_BUNDLE}\n")
            setup = (
                "ldconfig && python3 -m ensurepip --default-pip >/dev/null 2>&1 "
                "&& find /usr/local -depth -type f -name '*.py[co]' -delete "
                "&& ln -sf python3 /usr/local/bin/python"
            )
            run_logged(["chroot", str(tree), "sh", "-c", setup], f"setting up {tag}")
            tar = subprocess.Popen(["tar", "-C", str(tree), "-c", "."], stdout=subprocess.PIPE)
            imported = subprocess.run(
                ["podman", "import",
                 "--change", "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "--change", "ENV LANG=C.UTF-8",
                 "--change", f"ENV SSL_CERT_FILE={HOST_CA_BUNDLE}",
                 "--change", f"LABEL scaffold.stand-in={stamp}",
                 "--change", 'CMD ["python3"]',
                 "-", tag],
                stdin=tar.stdout, env=self.env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            tar.stdout.close()
            tar.wait()
            if imported.returncode != 0:
                pytest.fail(f"podman import {tag} failed:\n{imported.stderr}")
        finally:
            shutil.rmtree(tree, ignore_errors=True)

    # Images of projects

    def build(self, context: Path, tag: str, check: bool = True) -> subprocess.CompletedProcess:
        """Build the Dockerfile in `context` as it is, with the stand-in bases it names."""
        dockerfile = (context / "Dockerfile").read_text()
        for version in base_versions(dockerfile):
            self.ensure_base(version)
        # Docker's format keeps HEALTHCHECK (OCI drops it); no layer cache, so every build
        # proves the Dockerfile from scratch and leaves no intermediate images behind.
        return self.podman(
            "build", "--pull=never", "--network", "host", "--format", "docker", "--layers=false",
            "--tag", tag, str(context), check=check,
        )  # fmt: skip

    def distributions(self, image: str) -> dict[str, str]:
        """The Python distributions installed in `image`, {name: version}."""
        listing = (
            "import importlib.metadata as m; "
            "print(*sorted(f'{d.metadata[\"Name\"]}=={d.version}' for d in m.distributions()), "
            "sep='\\n')"
        )
        done = self.podman(
            "run", "--rm", "--pull=never", "--network", "host", image, "python", "-c", listing
        )
        return dict(line.split("==", 1) for line in done.stdout.splitlines() if "==" in line)

    def run(self, image: str, port: int, env: dict[str, str]) -> Container:
        """Start `image` detached on the host network; the server listens on 127.0.0.1:`port`."""
        settings = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
        args = [arg for name, value in settings.items() for arg in ("--env", f"{name}={value}")]
        done = self.podman("run", "--detach", "--pull=never", "--network", "host", *args, image)
        return Container(self, done.stdout.strip(), port)

    def remove_image(self, tag: str) -> None:
        self.podman("rmi", "--force", tag, check=False)


def _not_in_image(stdlib: Path):
    """copytree's ignore: what the official image deletes, and packages installed beside CPython."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {name for name in names if name in {"test", "tests", "idle_test"}}
        skipped |= {name for name in names if name.endswith((".pyc", ".pyo"))}
        skipped |= {name for name in names if re.fullmatch(r"libpython.*\.a", name)}
        if Path(directory) == stdlib:
            skipped.add("site-packages")
        return skipped

    return ignore


def base_versions(dockerfile: str) -> list[str]:
    """The X.Y of every `FROM python:X.Y-slim` in a Dockerfile, with ARG defaults resolved."""
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", dockerfile, re.MULTILINE))
    versions = []
    for image in re.findall(r"^FROM\s+(?:--\S+\s+)*(\S+)", dockerfile, re.MULTILINE):
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
        found = re.fullmatch(r"(?:docker\.io/library/)?python:(\d+\.\d+)-slim", image)
        if found and found.group(1) not in versions:
            versions.append(found.group(1))
    return versions


def engine_or_skip() -> Engine:
    """The engine, or a skip naming what is missing."""
    reason = missing()
    if reason:
        unavailable(reason)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    engine = Engine(root)
    info = engine.podman("info", check=False)
    if info.returncode != 0:
        unavailable(f"podman does not run here: {info.stderr.strip()[-500:]}")
    return engine
