"""Statistics of complaints (R-33): counts and rates, counted by the database.

Monthly, for the hotline's report; per unit for a campaign, for a method scored
from case handling (``campaign_counts``).

Cases registered in the month are counted, except those merged into another
(a duplicate is not a second complaint). Rates, as percentages:

- response rate (答复率): answered (replied or explained, or further on) / transferred
- on-time rate (按时答复率): answered by the deadline / answered
- resolution rate (办结率): closed (销号) / counted
- satisfaction rate (满意率): satisfied or basically satisfied / followed up

A rate with nothing to divide by is None (shown as “—”), never 0.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from minping.campaigns.models import Campaign
from minping.cases.models import Case, LedgerItem, Satisfaction, Source, State
from minping.lib.rates import rate

ANSWERED_STATES = [State.REPLIED, State.EXPLAINED, State.VERIFIED, State.FOLLOWED_UP, State.CLOSED]

COUNTS = {
    "total": Count("id"),
    "transferred": Count("id", filter=Q(transferred_on__isnull=False)),
    "answered": Count("id", filter=Q(state__in=ANSWERED_STATES)),
    "on_time": Count("id", filter=Q(state__in=ANSWERED_STATES, replied_late=False)),
    "overdue": Count("id", filter=Q(overdue=True) | Q(replied_late=True)),
    "closed": Count("id", filter=Q(state=State.CLOSED)),
    "followed_up": Count("id", filter=~Q(satisfaction="")),
    "satisfied": Count(
        "id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])
    ),
    "repeats": Count("id", filter=Q(is_repeat=True)),
}


@dataclass
class Row:
    """The counts and rates of one group of cases (a unit, or all)."""

    label: str
    counts: dict[str, int]
    # The unit's code for a row per unit; empty for totals.
    code: str = ""

    @property
    def response_rate(self) -> Decimal | None:
        return rate(self.counts["answered"], self.counts["transferred"])

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.counts["on_time"], self.counts["answered"])

    @property
    def resolution_rate(self) -> Decimal | None:
        return rate(self.counts["closed"], self.counts["total"])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return rate(self.counts["satisfied"], self.counts["followed_up"])


@dataclass
class MonthlyStats:
    start: datetime.date
    end: datetime.date
    overall: Row
    by_source: list[tuple[str, int]]
    by_state: list[tuple[str, int]]
    by_unit: list[Row] = field(default_factory=list)


def this_week(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday of the current week (what "due this week" means)."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday())
    return start, start + datetime.timedelta(days=6)


def month_range(month: str) -> tuple[datetime.date, datetime.date]:
    """'2026-03' → (1 Mar, 31 Mar); ValueError with a Chinese message otherwise."""
    try:
        start = datetime.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValueError(f"“{month}”不是有效的月份,请写成 2026-03 的形式。") from None
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def monthly(cases: QuerySet[Case], month: str) -> MonthlyStats:
    """Statistics of the given (already scoped) cases registered in ``month`` (YYYY-MM)."""
    start, end = month_range(month)
    counted = cases.filter(registered_on__range=(start, end)).exclude(state=State.MERGED)
    return MonthlyStats(start, end, *summarise(counted))


def summarise(
    counted: QuerySet[Case],
) -> tuple[Row, list[tuple[str, int]], list[tuple[str, int]], list[Row]]:
    """Overall counts and rates, cases per source and per state, and a row per unit.

    ``counted`` is already the cases to count (a month's, a campaign's), merged ones left out.
    """
    overall = Row("合计", counted.aggregate(**COUNTS))
    sources = dict(Source.choices)
    by_source = [
        (str(sources.get(r["source"], r["source"])), r["n"])
        for r in counted.values("source").annotate(n=Count("id")).order_by("-n", "source")
    ]
    states = dict(State.choices)
    by_state_counts = {r["state"]: r["n"] for r in counted.values("state").annotate(n=Count("id"))}
    by_state = [(str(states[s]), by_state_counts[s]) for s in State.values if s in by_state_counts]
    by_unit = []
    grouped = counted.values("unit__code", "unit__name").annotate(**COUNTS).order_by("unit__code")
    for values in grouped:
        row: dict[str, Any] = dict(values)
        name = row.pop("unit__name") or "(未定单位)"
        code = row.pop("unit__code") or ""
        by_unit.append(Row(str(name), {k: int(v) for k, v in row.items()}, code))
    return overall, by_source, by_state, by_unit


# What a method scored from case handling takes of COUNTS (see scoring.engine.CaseCount).
CAMPAIGN_COUNTS = ("total", "answered", "on_time", "closed", "followed_up", "satisfied")


def campaign_counts(campaign: Campaign) -> dict[int, dict[str, int]]:
    """Per responsible unit (by id): the campaign's cases counted as above, and the ledger
    lines the unit wrote for them (``promised``) with those struck off by their time limit
    (``kept``). Two GROUP BY queries; units without any are absent."""
    counted = Case.objects.filter(campaign=campaign, unit__isnull=False).exclude(state=State.MERGED)
    out: dict[int, dict[str, int]] = {}
    grouped = counted.values("unit_id").annotate(**{key: COUNTS[key] for key in CAMPAIGN_COUNTS})
    for row in grouped.order_by():
        values: dict[str, Any] = dict(row)
        unit = values.pop("unit_id")
        out[unit] = {key: int(value) for key, value in values.items()} | {"promised": 0, "kept": 0}
    ledger = (
        LedgerItem.objects.filter(case__campaign=campaign)
        .exclude(case__state=State.MERGED)
        .values("unit_id")
        .annotate(
            promised=Count("id"),
            kept=Count("id", filter=Q(struck_off_on__isnull=False, struck_off_on__lte=F("due_on"))),
        )
        .order_by()
    )
    for row in ledger:
        counts = out.setdefault(
            row["unit_id"], dict.fromkeys((*CAMPAIGN_COUNTS, "promised", "kept"), 0)
        )
        counts["promised"], counts["kept"] = row["promised"], row["kept"]
    return out
