import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from docload.imports.supervisor import Child, Supervisor


class Command(BaseCommand):
    help = (
        "Serve the API with gunicorn and run task workers beside it, restarting any that dies, "
        "until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
        parser.add_argument("--task-workers", type=int, default=1, help="task worker processes")
        parser.add_argument("--no-worker", action="store_true", help="serve only")

    def handle(self, *args: Any, **options: Any) -> None:
        # gthread workers heartbeat from their main thread, so long uploads are not killed.
        server = [
            sys.executable, "-m", "gunicorn", "docload.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]),
            "--worker-class", "gthread", "--threads", "4",
            "--timeout", "120", "--graceful-timeout", "10",
            "--limit-request-line", "8190",  # gunicorn's most; longer lines get its 414
        ]  # fmt: skip
        children = [Child("gunicorn", server)]
        if not options["no_worker"]:
            children += [
                Child(f"task worker {number}", [sys.executable, "-m", "docload.cli", "worker"])
                for number in range(1, options["task_workers"] + 1)
            ]
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ with "
            f"{len(children) - 1} task worker(s) (data in {settings.DATA_DIR}); Ctrl-C stops."
        )
        self.stdout.flush()
        Supervisor(children).run()
