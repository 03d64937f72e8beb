from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from docload.auth.models import Applicatie

DEV_CLIENT_ID = "docload-dev"


class Command(BaseCommand):
    help = "Prepare a local development instance: the import directory and a dev application."

    def handle(self, *args: Any, **options: Any) -> None:
        if "IMPORT_DOCUMENTEN_BASE_DIR" not in settings.SETTINGS_FROM_ENV:
            # Only the default directory is created; a configured one must already exist.
            settings.IMPORT_DOCUMENTEN_BASE_DIR.mkdir(parents=True, exist_ok=True)
        _, created = Applicatie.objects.get_or_create(
            client_id=DEV_CLIENT_ID,
            defaults={"label": "Local development", "heeft_alle_autorisaties": True},
        )
        if created:
            self.stdout.write(f"Created the development application {DEV_CLIENT_ID!r}.")
        self.stdout.write(
            "Get a token with:  TOKEN=$(.venv/bin/docload token --client-id docload-dev)\n"
            f"Import files go under: {settings.IMPORT_DOCUMENTEN_BASE_DIR}"
        )
