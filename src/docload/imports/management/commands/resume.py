from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from docload.imports.management.job_commands import on_job
from docload.imports.scheduling import resume_job


class Command(BaseCommand):
    help = "Resume an import that stopped with status error, after its last committed batch."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("uuid")

    def handle(self, *args: Any, **options: Any) -> None:
        job, _ = on_job(options["uuid"], resume_job)
        self.stdout.write(f"Import {job.uuid} queued to resume after row {job.processed + 1}.")
