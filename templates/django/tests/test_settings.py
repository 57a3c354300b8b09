"""The settings: Argon2 first, cookies, and what production insists on before it starts."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

from config.settings import base

STRONG_KEY = secrets.token_urlsafe(50)
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    # A server has no .env: these tests see only the variables they set.
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "example.com",
}


def run(*args: str, **environ: str | None) -> subprocess.CompletedProcess[str]:
    """Run `python *args` in the project with the production environment, changed by `environ`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(PRODUCTION)
    for key, value in environ.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(  # noqa: S603 - this interpreter, with the tests' own arguments
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_argon2_hashes_new_passwords() -> None:
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_session_and_csrf_cookies_are_httponly_and_samesite_lax() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_user_model_is_the_projects_own() -> None:
    assert settings.AUTH_USER_MODEL == "users.User"


def test_production_passes_the_deploy_check() -> None:
    done = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_cookies_are_secure_and_http_is_redirected() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    done = run("-c", code)
    assert done.stdout.split() == ["False", "True", "True", "True"]


def test_hsts_preloads_only_for_a_year_with_subdomains() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    assert run("-c", code).stdout.split() == ["31536000", "True", "True"]
    done = run("manage.py", "check", DJANGO_SECURE_HSTS_SECONDS="60")
    assert done.returncode != 0
    assert "DJANGO_SECURE_HSTS_PRELOAD" in done.stderr
    without_preload = {"DJANGO_SECURE_HSTS_SECONDS": "60", "DJANGO_SECURE_HSTS_PRELOAD": "False"}
    assert run("-c", code, **without_preload).stdout.split() == ["60", "True", "False"]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    done = run("manage.py", "check", DJANGO_SECRET_KEY=None)
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr


def test_production_refuses_a_weak_secret_key() -> None:
    for weak in ("too-short", "django-insecure-" + STRONG_KEY):
        done = run("manage.py", "check", DJANGO_SECRET_KEY=weak)
        assert done.returncode != 0
        assert "DJANGO_SECRET_KEY must be 50 or more random characters" in done.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    done = run("manage.py", "check", DJANGO_ALLOWED_HOSTS=None)
    assert done.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in done.stderr


def test_database_url_comes_from_the_environment() -> None:
    url = "postgresql://app:secret@db.example:5432/app"
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['NAME'])"
    )
    done = run("-c", code, DATABASE_URL=url)
    assert done.stdout.split() == ["django.db.backends.postgresql", "db.example", "app"]
