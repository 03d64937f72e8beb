"""The `docload` command: every Django management command of the project, plus `manage`.

`docload serve`, `docload worker`, `docload import`, `docload token`, `docload createapp`, and
Django's own (`docload migrate`, `docload shell`, ...). `docload push` is the HTTP client: it
runs before (and without) Django, so it needs no local settings or database.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["push"]:
        from docload.push.command import main as push

        sys.exit(push(args[1:]))
    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docload.settings")
    execute_from_command_line(["docload", *args])


if __name__ == "__main__":
    main()
