import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the API with gunicorn and run a task worker beside it, until Ctrl-C."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
        parser.add_argument("--no-worker", action="store_true", help="serve only")

    def handle(self, *args: Any, **options: Any) -> None:
        # gthread workers heartbeat from their main thread, so long uploads are not killed.
        server = [
            sys.executable, "-m", "gunicorn", "docload.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]),
            "--worker-class", "gthread", "--threads", "4",
            "--timeout", "120", "--graceful-timeout", "10",
        ]  # fmt: skip
        processes = [subprocess.Popen(server)]
        if not options["no_worker"]:
            processes.append(subprocess.Popen([sys.executable, "-m", "docload.cli", "worker"]))
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ "
            f"(data in {settings.DATA_DIR}); Ctrl-C stops."
        )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        failed = [process.returncode for process in processes if process.returncode not in (0, -15)]
        if failed and not stopping:
            sys.exit(1)
