from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from docload.auth.models import Applicatie
from docload.auth.tokens import make_token


class Command(BaseCommand):
    help = "Print a JWT for an application."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--user-id", default="docload-cli")

    def handle(self, *args: Any, **options: Any) -> None:
        applicatie = Applicatie.objects.filter(client_id=options["client_id"]).first()
        if applicatie is None:
            raise CommandError(f"No application with client id {options['client_id']!r}")
        self.stdout.write(make_token(applicatie, user_id=options["user_id"]))
