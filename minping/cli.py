"""The ``minping`` console script: Django's manage.py under the project's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
