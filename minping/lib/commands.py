"""What every command that reads a user's file shares: clear errors, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import BaseCommand, CommandError

from minping.lib.errors import InvalidInput

T = TypeVar("T")


def report_invalid_input(command: BaseCommand, run: Callable[[], T]) -> T:
    """Run ``run``; if the input is bad, print every problem and exit non-zero."""
    try:
        return run()
    except InvalidInput as exc:
        for line in exc.lines()[:-1]:
            command.stderr.write(line)
        raise CommandError(exc.summary()) from None
    except FileNotFoundError as exc:
        raise CommandError(f"找不到文件:{exc.filename}") from None
    except PermissionError as exc:
        raise CommandError(f"无权读取文件:{exc.filename}") from None
