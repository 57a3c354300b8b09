"""The custom user model: Django's fields, in the project's own model, shown in the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from config.settings import base

pytestmark = pytest.mark.django_db


def test_the_user_model_is_the_projects_own() -> None:
    model = get_user_model()
    assert model._meta.label == "users.User"


def test_users_and_superusers_can_be_created(settings: object) -> None:
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    model = get_user_model()
    user = model.objects.create_user("grace", "grace@example.com", "a long enough password")
    assert user.check_password("a long enough password")
    assert user.password.startswith("argon2$")
    admin = model.objects.create_superuser("root", "root@example.com", "another long password")
    assert admin.is_staff and admin.is_superuser


def test_the_admin_lists_users(admin_client: Client) -> None:
    page = admin_client.get("/admin/users/user/")
    assert page.status_code == 200
    assert "admin" in page.text
