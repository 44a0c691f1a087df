"""The ``minping`` console script: Django's manage.py under the project's name."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["verify-results"]:
        # Anyone may check a published ranking: no settings, no database (minping.verify).
        from minping.verify import main as verify

        sys.exit(verify(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    if sys.argv[1:2] == ["demo"]:
        # The demo is a development server on 127.0.0.1 with well-known passwords.
        os.environ.setdefault("MINPING_ENV", "development")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    except ImproperlyConfigured as exc:
        if "--traceback" in sys.argv:
            raise
        # The production checks in settings.py: their message says what to set.
        sys.stderr.write(f"{exc}\n")
        sys.exit(1)
    try:
        execute_from_command_line(sys.argv)
    except DatabaseError as exc:
        if "--traceback" in sys.argv:
            raise
        # Most often a new or upgraded install whose tables are not there yet.
        sys.stderr.write(
            f"数据库出错:{exc}\n"
            "如果是新安装或刚升级,请先运行 `minping migrate`;"
            "需要技术细节时加 --traceback 重新运行。\n"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
