"""The WSGI entry point: `gunicorn <package>.wsgi:app`, or `python -m bottle <package>.wsgi:app`."""

from .app import create_app_or_exit

app = create_app_or_exit()
