import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from docload.auth.models import Applicatie
from docload.auth.tokens import read_token

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createapp_prints_credentials_and_token_works() -> None:
    output = run("createapp", "--client-id", "migratie", "--all-authorizations", "--label", "M")
    assert "client_id: migratie" in output
    applicatie = Applicatie.objects.get(client_id="migratie")
    assert f"secret: {applicatie.secret}" in output
    assert applicatie.heeft_alle_autorisaties and applicatie.label == "M"

    token = run("token", "--client-id", "migratie").strip()
    found, claims = read_token(token)
    assert found == applicatie and claims["client_id"] == "migratie"


def test_createapp_updates_an_existing_application() -> None:
    run("createapp", "--client-id", "app", "--secret", "s1", "--all-authorizations")
    run("createapp", "--client-id", "app", "--scope", "documenten.lezen")
    applicatie = Applicatie.objects.get(client_id="app")
    assert applicatie.secret == "s1"
    assert not applicatie.heeft_alle_autorisaties
    assert applicatie.scopes == ["documenten.lezen"]


def test_token_for_unknown_application_fails() -> None:
    with pytest.raises(CommandError):
        run("token", "--client-id", "nobody")


def test_devsetup_creates_the_development_application_once() -> None:
    assert "Created" in run("devsetup")
    assert "Created" not in run("devsetup")
    assert Applicatie.objects.get(client_id="docload-dev").heeft_alle_autorisaties
