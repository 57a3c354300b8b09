"""Settings per environment: base is shared; local, test and production build on it.

DJANGO_SETTINGS_MODULE picks one: manage.py defaults to local, config/wsgi.py and config/asgi.py
to production, and pytest uses test (pyproject.toml).
"""
