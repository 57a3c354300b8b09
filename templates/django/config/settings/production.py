"""Settings for deployment: DEBUG off, HTTPS only, and secrets from the environment alone.

`python manage.py check --deploy --fail-level WARNING` with these settings reports nothing.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env

HSTS_YEAR = 365 * 24 * 60 * 60

SECRET_KEY = env("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be 50 or more random characters")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# HTTPS. Whether a request came over HTTPS is gunicorn's call: it trusts X-Forwarded-Proto only
# from the proxies in FORWARDED_ALLOW_IPS (gunicorn.conf.py). Behind another server, set
# SECURE_PROXY_SSL_HEADER, if that server always sets or strips the header. /health answers
# before this redirect (see middleware.py): probes ask over plain HTTP.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# HSTS: browsers use HTTPS only, for a year, subdomains included, and the site may be put on
# the browsers' preload list. Preloading is a promise for that long: it needs the full year
# and every subdomain on HTTPS, and is refused below otherwise.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=HSTS_YEAR)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
if SECURE_HSTS_PRELOAD and not (
    SECURE_HSTS_SECONDS >= HSTS_YEAR and SECURE_HSTS_INCLUDE_SUBDOMAINS
):
    raise ImproperlyConfigured(
        "DJANGO_SECURE_HSTS_PRELOAD needs DJANGO_SECURE_HSTS_SECONDS of 31536000 or more and "
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=True (or set it to False)"
    )
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Static files with content hashes in their names, compressed, cached for ever by browsers.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Errors and warnings go to standard error, where gunicorn and containers collect them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
