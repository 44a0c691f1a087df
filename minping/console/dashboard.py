"""The figures of the leader's and organiser's 工作台, each counted by the database.

Campaigns in progress (results not yet published) with their collection; from each one's
latest computed results the top and bottom five of every group, the count per grade and the
watch list; the cases open and overdue and the on-time rate; and what waits: deductions and
vetoes to review, submissions past their deadline, cases due this week. A handful of
``GROUP BY`` queries; the campaigns' figures are kept for a minute (or until new results are
computed) and those drawn from a snapshot for as long as it lives (docs/performance.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone

from minping.campaigns.models import Campaign, Method
from minping.cases.access import visible_cases
from minping.cases.models import FINISHED_STATES, State
from minping.cases.stats import COUNTS, Row, this_week
from minping.lib.rates import as_percent, rate
from minping.orgs.models import Group
from minping.oversight.models import Deduction, Review, Submission, Veto
from minping.reports.screen import seconds
from minping.reports.views import GRADE_LABELS, results_layout
from minping.scoring.models import ResultSnapshot
from minping.surveys.models import Ballot, CollectionSettings

# The campaigns' figures (ballots, late submissions, results) are worked out at most once a
# minute; the progress monitor and the monitor page they link to count live.
CAMPAIGNS_CACHE_SECONDS = 60
RESULTS_CACHE_SECONDS = 24 * 3600
# Campaigns shown at most (the newest); more are on the campaign list.
MAX_CAMPAIGNS = 6
ENDS = 5


@dataclass(frozen=True)
class Collection:
    """One ballot method's accepted ballots against its target (target per unit × units)."""

    title: str
    accepted: int
    wanted: int

    @property
    def percent(self) -> str:
        return as_percent(rate(self.accepted, self.wanted)) if self.wanted else "—"


@dataclass(frozen=True)
class GroupEnds:
    code: str
    name: str
    top: list[dict[str, Any]]
    bottom: list[dict[str, Any]]


@dataclass
class CampaignFigures:
    campaign: Campaign
    collections: list[Collection] = field(default_factory=list)
    snapshot: ResultSnapshot | None = None
    groups: list[GroupEnds] = field(default_factory=list)
    grades: list[tuple[str, int]] = field(default_factory=list)
    # (code, name, titles of the methods that put the unit there)
    watch: list[tuple[str, str, str]] = field(default_factory=list)
    late: int = 0
    ranked_units: int = 0
    # A campaign without a composite (version 2) says so, and what orders its units.
    note: str = ""


@dataclass(frozen=True)
class CaseFigures:
    open: int
    overdue: int
    on_time_rate: str
    due_this_week: int


@dataclass(frozen=True)
class Dashboard:
    campaigns: list[CampaignFigures]
    more_campaigns: bool
    cases: CaseFigures
    to_review: int

    @property
    def late(self) -> int:
        return sum(c.late for c in self.campaigns)


def dashboard(user: Any) -> Dashboard:
    found = list(
        Campaign.objects.filter(published_at__isnull=True).order_by("-year", "-created")[
            : MAX_CAMPAIGNS + 1
        ]
    )
    campaigns = _campaigns(found[:MAX_CAMPAIGNS])
    to_review = (
        Deduction.objects.filter(status=Review.SIGNED_OFF).count()
        + Veto.objects.filter(status=Review.SIGNED_OFF).count()
    )
    return Dashboard(campaigns, len(found) > MAX_CAMPAIGNS, case_figures(user), to_review)


def _campaigns(shown: list[Campaign]) -> list[CampaignFigures]:
    """The campaigns' figures, worked out at most once a minute (a new computation at once).

    Ballots, submissions and the unit tree change all the time but need not be to the
    second here; the figures each links to are. Cases and reviews (the organiser's own
    to-dos) are counted on every request.
    """
    latest = dict(
        ResultSnapshot.objects.filter(campaign__in=shown)
        .values_list("campaign_id")
        .annotate(last=Max("pk"))
        .order_by()
    )
    key = "minping:dashboard:" + ",".join(f"{c.pk}-{latest.get(c.pk, 0)}" for c in shown)
    found: list[CampaignFigures] | None = cache.get(key)
    if found is None:
        found = [campaign_figures(c) for c in shown]
        _collections(found)
        cache.set(key, found, seconds("MINPING_DASHBOARD_CACHE_SECONDS", CAMPAIGNS_CACHE_SECONDS))
    return found


def campaign_figures(campaign: Campaign) -> CampaignFigures:
    figures = CampaignFigures(campaign)
    taking_part = campaign.participation()
    figures.late = _late_submissions(campaign, taking_part.ids(taking_part.ranked))
    figures.ranked_units = len(taking_part.ranked)
    # The results JSON (and its large breakdown) is read only when its figures are not cached.
    snapshot = (
        campaign.snapshots.order_by("-computed_at", "-pk").defer("results", "breakdown").first()
    )
    if snapshot is not None:
        figures.snapshot = snapshot
        key = f"minping:dashboard-results:{snapshot.pk}"
        found = cache.get(key)
        if found is None:
            _results(figures, snapshot)
            found = (figures.groups, figures.grades, figures.watch, figures.note)
            # A snapshot's results never change: kept until the cache needs the room.
            cache.set(key, found, RESULTS_CACHE_SECONDS)
        figures.groups, figures.grades, figures.watch, figures.note = found
    return figures


def _collections(campaigns: list[CampaignFigures]) -> None:
    """Accepted ballots per ballot method of every campaign shown: one GROUP BY in all."""
    ids = [c.campaign.pk for c in campaigns]
    accepted = dict(
        Ballot.objects.filter(campaign_id__in=ids, status=Ballot.Status.ACCEPTED)
        .values_list("method_id")
        .annotate(n=Count("*"))  # from the index alone, without reading the rows
        .order_by()
    )
    methods = Method.objects.filter(campaign_id__in=ids, input=Method.BALLOTS).order_by("order")
    targets = dict(
        CollectionSettings.objects.filter(method__in=methods).values_list("method_id", "target")
    )
    by_campaign = {c.campaign.pk: c for c in campaigns}
    for method in methods:
        figures = by_campaign[method.campaign_id]
        wanted = targets.get(method.pk, 0) * figures.ranked_units
        figures.collections.append(Collection(method.title, accepted.get(method.pk, 0), wanted))


def _results(figures: CampaignFigures, snapshot: ResultSnapshot) -> None:
    campaign = figures.campaign
    units = snapshot.results.get("units", [])
    names = dict(Group.objects.filter(code__in=campaign.groups).values_list("code", "name"))
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    layout = results_layout(snapshot.results)
    figures.note = layout.note
    by = snapshot.results.get("graded_by") or ""
    for unit in units:
        if unit.get("rank") is not None:
            # The figure the rank goes by: the composite, or (version 2) the ranking method's.
            shown = unit.get("composite")
            if not layout.composite:
                shown = ((unit.get("methods") or {}).get(by) or {}).get("score")
            by_group[unit["group"]].append({**unit, "figure": shown})
    for code in [c for c in campaign.groups if c in by_group]:
        ranked = sorted(by_group[code], key=lambda u: (u["rank"], u["unit"]))
        bottom = ranked[max(ENDS, len(ranked) - ENDS) :]
        figures.groups.append(GroupEnds(code, names.get(code, code), ranked[:ENDS], bottom))
    counted: dict[str, int] = defaultdict(int)
    for unit in units:
        counted[unit.get("grade") or ""] += 1
    figures.grades = [(label, counted[grade]) for grade, label in GRADE_LABELS.items()]
    figures.grades.append(("其余", counted[""]))
    titles = dict(campaign.methods.values_list("code", "title"))
    figures.watch = [
        (u["unit"], u["name"], "、".join(titles.get(m, m) for m in u["watchlist"]))
        for u in units
        if u.get("watchlist")
    ]


def _late_submissions(campaign: Campaign, unit_ids: list[int]) -> int:
    """Submissions past their deadline that a ranked unit has not made (R-35)."""
    today = timezone.localdate()
    due = list(campaign.requirements.filter(due__lt=today).values_list("pk", flat=True))
    if not due or not unit_ids:
        return 0
    made = Submission.objects.filter(requirement_id__in=due, unit_id__in=unit_ids).count()
    return len(due) * len(unit_ids) - made


def case_figures(user: Any) -> CaseFigures:
    """Open cases, those overdue, the on-time rate (cases.stats), and those due this week."""
    start, end = this_week()
    still_open = ~Q(state__in=FINISHED_STATES)
    counts = (
        visible_cases(user)
        .exclude(state=State.MERGED)
        .aggregate(
            open=Count("id", filter=still_open),
            open_overdue=Count("id", filter=still_open & Q(overdue=True)),
            due_week=Count("id", filter=still_open & Q(due_on__range=(start, end))),
            answered=COUNTS["answered"],
            on_time=COUNTS["on_time"],
        )
    )
    on_time = as_percent(Row("合计", counts).on_time_rate)
    return CaseFigures(counts["open"], counts["open_overdue"], on_time, counts["due_week"])
