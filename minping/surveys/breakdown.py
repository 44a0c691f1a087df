"""Counts of ballots by respondent category, with small cells hidden (DESIGN principle 4).

A cell of fewer than ``MINPING_CATEGORY_THRESHOLD`` ballots (default 5) could
point at a person ("the one rural resident who rated this window"), so every
page or export that shows per-category counts goes through :func:`suppress`.
When a row would have exactly one hidden cell next to its total, that cell
could be worked out by subtraction, so the next smallest cell is hidden too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count

from minping.campaigns.models import Method
from minping.surveys.models import Ballot

DEFAULT_THRESHOLD = 5


def threshold() -> int:
    return int(getattr(settings, "MINPING_CATEGORY_THRESHOLD", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class Row:
    unit: str
    total: int
    # None where the count is hidden.
    cells: dict[str, int | None]


def shown(n: int, limit: int | None = None) -> bool:
    """Whether a count of ``n`` ballots may be shown, or what they said (zero names no one).

    The report cards ask it of a unit's (non-zero) accepted ballots before printing its
    comments: with fewer ballots behind them a comment could point at its writer.
    """
    return n == 0 or n >= (threshold() if limit is None else limit)


def suppress(counts: dict[str, int], limit: int) -> dict[str, int | None]:
    """Hide cells below ``limit`` (zeros stay: an empty cell names no one)."""
    cells: dict[str, int | None] = {
        key: (n if shown(n, limit) else None) for key, n in counts.items()
    }
    hidden = [key for key, n in cells.items() if n is None]
    if len(hidden) == 1:
        rest = sorted((n, key) for key, n in cells.items() if n)
        if rest:
            cells[rest[0][1]] = None
    return cells


def category_table(method: Method, limit: int | None = None) -> tuple[list[str], list[Row]]:
    """Accepted ballots per unit and category for a method, small cells hidden."""
    limit = threshold() if limit is None else limit
    grouped = (
        Ballot.objects.filter(method=method, status=Ballot.Status.ACCEPTED)
        .values_list("unit__name", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_unit: dict[str, dict[str, int]] = defaultdict(dict)
    categories: set[str] = set()
    for unit, category, n in grouped:
        per_unit[unit][category or "未填"] = n
        categories.add(category or "未填")
    columns = sorted(categories)
    rows = []
    for unit in sorted(per_unit):
        counts = {column: per_unit[unit].get(column, 0) for column in columns}
        rows.append(Row(unit, sum(counts.values()), suppress(counts, limit)))
    return columns, rows
