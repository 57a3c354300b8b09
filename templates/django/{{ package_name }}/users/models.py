"""The user model: Django's own fields, in a model that belongs to the project.

A custom model from the first migration costs nothing now and spares a difficult migration later:
add fields here, then `python manage.py makemigrations`.
"""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who can log in: username, email, password, names and permissions."""
