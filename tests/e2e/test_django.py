"""What a Django project promises beyond the generic checks, run for real.

Its migrations match its models, the production settings pass Django's deploy check in the
environment the project documents, the admin answers, WhiteNoise serves the collected static
files, and plain HTTP is redirected to HTTPS in production except for /health. (The image's
commands are run for every framework in test_deployment.py.)
"""

from __future__ import annotations

import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import scaffold

from ..conftest import CATALOG, Combination, as_params, clean_environ
from .conftest import fetch, find_python, install, run, serving

pytestmark = pytest.mark.e2e

ALL_FEATURES = CATALOG.framework("django").features
COMBINATIONS = [
    Combination("django", "sqlite"),
    Combination("django", "sqlite", ALL_FEATURES),
    Combination("django", "postgresql", ALL_FEATURES),
]
# The command .env.example and the README give for making a production key.
KEY_COMMAND = "import secrets; print(secrets.token_urlsafe(50))"


@dataclass(frozen=True)
class Project:
    """A generated, installed Django project and the environment its commands run in."""

    root: Path
    combination: Combination
    env: dict[str, str]

    def manage(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run `python manage.py *args` with the project's interpreter."""
        return subprocess.run(
            [".venv/bin/python", "manage.py", *args],
            cwd=self.root,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def production_environment(self, **overrides: str) -> dict[str, str]:
        """What a server sets, as the README documents it: no .env, a fresh key, the hosts."""
        key = run([".venv/bin/python", "-c", KEY_COMMAND], self.root).strip()
        return {
            **self.env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DJANGO_SECRET_KEY": key,
            "DJANGO_ALLOWED_HOSTS": "example.com",
            **overrides,
        }


@pytest.fixture(scope="module", params=as_params(COMBINATIONS))
def project(
    request: pytest.FixtureRequest,
    template_copy: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Project]:
    """One project per combination, generated and installed once for this module's tests."""
    combination: Combination = request.param
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCAFFOLD_DATA_DIR", str(tmp_path_factory.mktemp("scaffold-data")))
        root = scaffold.create(
            "shop-front",
            framework=combination.framework,
            database=combination.database,
            features=combination.features,
            data=["project_name=Shop Front"],
            output_dir=tmp_path_factory.mktemp(combination.id),
            template=str(template_copy),
            git=False,
        ).path
    # One variant installs with pip, as the project's README says; the others with uv (faster).
    install(root, tool="pip" if not combination.features else "uv")
    databases = {}
    if combination.database == "postgresql":
        postgres = request.getfixturevalue("postgres")
        name = re.sub(r"\W", "_", combination.id)
        databases = {
            "TEST_DATABASE_URL": postgres.create_database(f"django_test_{name}"),
            "DATABASE_URL": postgres.create_database(f"django_app_{name}"),
        }
    yield Project(root, combination, clean_environ(**databases))


def test_migrations_apply_and_match_the_models(project: Project) -> None:
    migrated = project.manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    check = project.manage("makemigrations", "--check", "--dry-run")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No changes detected" in check.stdout
    assert "warning" not in check.stderr.lower(), check.stderr
    shown = project.manage("showmigrations", "users", "notes")
    assert "[X] 0001_initial" in shown.stdout
    assert "[ ]" not in shown.stdout


def test_production_settings_pass_the_deploy_check(project: Project) -> None:
    done = project.manage(
        "check", "--deploy", "--fail-level", "WARNING", env=project.production_environment()
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_deploy_check_fails_when_http_is_not_redirected(project: Project) -> None:
    env = project.production_environment(DJANGO_SECURE_SSL_REDIRECT="False")
    done = project.manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode != 0
    assert "security.W008" in done.stderr


def test_production_serves_the_admin_and_collected_static_files(project: Project) -> None:
    project.manage("migrate", "--noinput")
    with serving(project.root, "serve", project.env) as server:
        admin = fetch(server.url + "/admin/")
        assert admin.status == 302
        assert admin.headers["location"] == ["/admin/login/?next=/admin/"]
        login = fetch(server.url + "/admin/login/")
        assert login.status == 200
        assert "Django administration" in login.body
        home = fetch(server.url + "/")
        stylesheet = re.search(r'href="(/static/style\.[0-9a-f]{12}\.css)"', home.body)
        assert stylesheet, "the home page does not link the hashed, collected stylesheet"
        css = fetch(server.url + stylesheet.group(1))
        assert css.status == 200
        assert "--accent" in css.body
        assert "immutable" in css.headers["cache-control"][0]
        admin_css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.body)
        assert admin_css, "the admin does not link its collected stylesheet"
        assert fetch(server.url + admin_css.group(1)).status == 200


def test_production_redirects_plain_http_except_the_health_check(project: Project) -> None:
    project.manage("migrate", "--noinput")
    # The real environment wins over .env: this is the redirect a server has on.
    env = {**project.env, "DJANGO_SECURE_SSL_REDIRECT": "True"}
    with serving(project.root, "serve", env) as server:
        home = fetch(server.url + "/")
        assert home.status == 301
        assert home.headers["location"] == [f"https://127.0.0.1:{server.port}/"]
        assert fetch(server.url + "/health").status == 200
        # A TLS proxy on 127.0.0.1 (trusted through FORWARDED_ALLOW_IPS) says the request was HTTPS.
        proxied = urllib.request.Request(server.url + "/", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(proxied, timeout=10) as answer:
            assert answer.status == 200
            assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000;")


def test_the_oldest_supported_python_runs_the_project(
    template_copy: Path, tmp_path: Path, isolated_home: Path
) -> None:
    oldest = CATALOG.framework("django").python[0]
    python = find_python(oldest)
    if python is None:
        pytest.skip(f"no Python {oldest} interpreter on this machine (PATH or ~/.pyenv)")
    root = scaffold.create(
        "shop-front",
        framework="django",
        features=ALL_FEATURES,
        output_dir=tmp_path,
        template=str(template_copy),
        git=False,
    ).path
    install(root, python=python)
    version = run(
        [".venv/bin/python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], root
    )
    assert version.strip() == oldest
    tests = run(["make", "test"], root)
    assert re.search(r"\d+ passed", tests), tests
    assert "skipped" not in tests, tests
