"""Settings for the tests (pytest-django): fast, isolated, otherwise as in production."""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = get_random_secret_key()

# In-memory SQLite unless TEST_DATABASE_URL names a server; there Django creates and drops
# a test_<name> database, and never touches the database named in the URL.
DATABASES = {
    "default": {
        **env.db_url_config(env("TEST_DATABASE_URL", default="") or "sqlite://:memory:"),
        "ATOMIC_REQUESTS": True,
    }
}

# Hashing with Argon2 is slow on purpose; tests that check it switch it back on.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise serves the static files from where they live, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
