"""Settings for working on this machine: `python manage.py runserver` (`make dev`)."""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import env

DEBUG = True
# .env holds the project's key. Without one, a random key lasts until the server restarts.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or get_random_secret_key()
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

# Emails (none are sent yet) are printed instead of sent.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
