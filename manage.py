#!/usr/bin/env python
import os
import sys


def main() -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 - a newcomer may run an older Python
        sys.exit(f"verbatim: Python 3.12 or newer is needed, this is {sys.version.split()[0]}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.startup import run_or_explain

    run_or_explain(lambda: execute_from_command_line(sys.argv))


if __name__ == "__main__":
    main()
