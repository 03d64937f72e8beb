from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from docload.auth.models import Applicatie, Scope
from docload.documents.constants import VERTROUWELIJKHEID_ORDER


class Command(BaseCommand):
    help = "Create or update an application and print its client id and secret."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--secret", help="default: keep the existing one, or generate one")
        parser.add_argument("--label", default=None)
        parser.add_argument("--all-authorizations", action="store_true")
        parser.add_argument(
            "--scope", action="append", default=None, choices=list(Scope.values), dest="scopes"
        )
        parser.add_argument("--max-vertrouwelijkheidaanduiding", choices=VERTROUWELIJKHEID_ORDER)

    def handle(self, *args: Any, **options: Any) -> None:
        client_id = options["client_id"].strip()
        if not client_id:
            raise CommandError("--client-id must not be empty")
        applicatie, _ = Applicatie.objects.get_or_create(client_id=client_id)
        if options["secret"]:
            applicatie.secret = options["secret"]
        if options["label"] is not None:
            applicatie.label = options["label"]
        applicatie.heeft_alle_autorisaties = options["all_authorizations"]
        if options["scopes"] is not None:
            applicatie.scopes = options["scopes"]
        if options["max_vertrouwelijkheidaanduiding"]:
            applicatie.max_vertrouwelijkheidaanduiding = options["max_vertrouwelijkheidaanduiding"]
        applicatie.save()
        self.stdout.write(f"client_id: {applicatie.client_id}\nsecret: {applicatie.secret}")
