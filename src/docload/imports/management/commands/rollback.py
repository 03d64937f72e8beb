from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from docload.imports.management.job_commands import on_job
from docload.imports.scheduling import roll_back_job


class Command(BaseCommand):
    help = "Roll back an ended import: a worker removes every record it created, with its content."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("uuid")

    def handle(self, *args: Any, **options: Any) -> None:
        job, asked = on_job(options["uuid"], roll_back_job)
        if asked:
            self.stdout.write(f"Import {job.uuid} queued to roll back; a worker does it.")
        else:
            self.stdout.write(f"Import {job.uuid} was rolled back already; nothing changes.")
