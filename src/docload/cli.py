"""The `docload` command: every Django management command of the project, plus `manage`.

`docload serve`, `docload worker`, `docload import`, `docload token`, `docload createapp`, and
Django's own (`docload migrate`, `docload shell`, ...).
"""

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docload.settings")
    execute_from_command_line(["docload", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
