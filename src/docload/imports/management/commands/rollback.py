from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from docload.imports.errors import ImportProblem
from docload.imports.models import Job
from docload.imports.scheduling import roll_back_job


class Command(BaseCommand):
    help = "Roll back an ended import: a worker removes every record it created, with its content."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("uuid")

    def handle(self, *args: Any, **options: Any) -> None:
        job = Job.objects.filter(uuid=options["uuid"]).first()
        if job is None:
            raise CommandError(f"No import {options['uuid']}")
        try:
            asked = roll_back_job(job)
        except ImportProblem as exc:
            raise CommandError(exc.message) from exc
        if asked:
            self.stdout.write(f"Import {job.uuid} queued to roll back; a worker does it.")
        else:
            self.stdout.write(f"Import {job.uuid} was rolled back already; nothing changes.")
