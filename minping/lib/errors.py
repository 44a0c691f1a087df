"""Bad input, reported the way a spreadsheet user finds it: by line and column.

Loaders and importers collect every problem they find into one ``InvalidInput``
and raise it before anything is stored, so a user fixes the whole file at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Enough to fix a file by; a file with more problems than this is the wrong file.
MAX_REPORTED = 200
# A message quotes the bad value “like this”: enough of it to find it, not all of it
# (a cell may hold 32,767 characters), and no message grows past MAX_MESSAGE.
MAX_QUOTED = 50
MAX_MESSAGE = 500
_LONG_QUOTE = re.compile("“([^“”]{" + str(MAX_QUOTED + 1) + ",})”")


def shorten(message: str) -> str:
    """The message with each long quoted value cut to MAX_QUOTED characters."""
    if len(message) <= MAX_QUOTED:
        return message
    message = _LONG_QUOTE.sub(
        lambda m: f"“{m.group(1)[:MAX_QUOTED]}…”(共 {len(m.group(1))} 字)", message
    )
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "……"


@dataclass(frozen=True)
class InputProblem:
    """One problem in an input file. ``line`` is 1-based as an editor or spreadsheet shows it."""

    message: str
    line: int | None = None
    column: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shorten(self.message))
        object.__setattr__(self, "column", shorten(self.column)[:MAX_QUOTED])

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        if self.column:
            where.append(f"“{self.column}”列")
        return f"{','.join(where)}:{self.message}" if where else self.message


class InvalidInput(Exception):
    """A file or form that cannot be taken as it is; nothing was stored."""

    def __init__(self, problems: list[InputProblem], total: int | None = None, source: str = ""):
        self.problems = problems[:MAX_REPORTED]
        self.total = total if total is not None else len(problems)
        self.source = source
        super().__init__(self.summary())

    def summary(self) -> str:
        name = f"{self.source} " if self.source else ""
        return f"{name}有 {self.total} 处错误,未作任何改动。"

    def lines(self) -> list[str]:
        """Every problem as a line of text, then the summary."""
        out = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            out.append(f"……另有 {self.total - len(self.problems)} 处错误未列出")
        out.append(self.summary())
        return out


class ProblemCollector:
    """Collects problems while a file is read, counting past the reporting limit.

    ``sink``, when given, is handed every problem, past the limit too: the web
    page offers the whole list as a download while holding only the first ones.
    """

    def __init__(self, sink: Callable[[InputProblem], None] | None = None) -> None:
        self.problems: list[InputProblem] = []
        self.total = 0
        self.sink = sink

    def add(self, message: str, line: int | None = None, column: str = "") -> None:
        self.total += 1
        if len(self.problems) < MAX_REPORTED or self.sink is not None:
            problem = InputProblem(message, line, column)
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(problem)
            if self.sink is not None:
                self.sink(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self, source: str = "") -> None:
        if self.total:
            raise InvalidInput(self.problems, self.total, source)
