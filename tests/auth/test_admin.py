import pytest
from django.contrib.auth.models import User
from django.test import Client

from docload.auth.models import Applicatie

pytestmark = pytest.mark.django_db


def test_secret_is_not_shown_after_creation() -> None:
    applicatie = Applicatie.objects.create(client_id="app", secret="very-secret-value")
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", "a@example.org", "pw"))
    page = admin.get(f"/admin/docload_auth/applicatie/{applicatie.pk}/change/")
    assert page.status_code == 200
    assert b"very-secret-value" not in page.content
    assert b"secret" in admin.get("/admin/docload_auth/applicatie/add/").content
