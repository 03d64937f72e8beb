"""`docload openapi [--check]`: write the committed schemas, or check that they are current."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from drf_spectacular.drainage import GENERATOR_STATS

from docload.api.components import COMPONENTS


class Command(BaseCommand):
    help = "Write openapi/<component>.yaml for every API, or --check that they are current."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", default="openapi", help="where the files are")
        parser.add_argument("--check", action="store_true", help="fail when a file is stale")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        directory.mkdir(exist_ok=True)
        stale = []
        for component in COMPONENTS:
            path = directory / f"{component.name}.yaml"
            rendered = component.render().decode()
            current = path.read_text() if path.exists() else ""
            if rendered == current:
                continue
            if options["check"]:
                diff = difflib.unified_diff(
                    current.splitlines(True), rendered.splitlines(True), str(path), "generated"
                )
                self.stderr.write("".join(diff))
                stale.append(str(path))
            else:
                path.write_text(rendered)
                self.stdout.write(f"wrote {path}")
        GENERATOR_STATS.emit_summary()
        if GENERATOR_STATS:
            raise CommandError("the schema generator warned (above): describe those views")
        if stale:
            raise CommandError(f"stale: {', '.join(stale)}; run 'make openapi'")
