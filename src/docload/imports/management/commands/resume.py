from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from docload.imports.errors import ImportProblem
from docload.imports.models import Job
from docload.imports.scheduling import resume_job


class Command(BaseCommand):
    help = "Resume an import that stopped with status error, after its last committed batch."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("uuid")

    def handle(self, *args: Any, **options: Any) -> None:
        job = Job.objects.filter(uuid=options["uuid"]).first()
        if job is None:
            raise CommandError(f"No import {options['uuid']}")
        try:
            resume_job(job)
        except ImportProblem as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Import {job.uuid} queued to resume after row {job.processed + 1}.")
