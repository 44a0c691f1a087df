"""What the report says beyond the results snapshot, read from the database when it is made.

Collection (ballots by method, channel and category, response rates, samples
against targets) comes from the progress monitor (``surveys.progress``); cases
from the complaint statistics (``cases.stats``, R-33); small counts are hidden
by the collection pages' rule (``surveys.breakdown``). Nothing here counts
ballots one by one: every figure is a ``GROUP BY``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from minping.campaigns.models import Campaign
from minping.cases.models import Case, State
from minping.cases.stats import COUNTS, summarise
from minping.cases.stats import Row as CaseRow
from minping.orgs.access import unit_ids_with_parts
from minping.orgs.models import Unit
from minping.oversight.models import Ineligibility
from minping.surveys.breakdown import shown, suppress, threshold
from minping.surveys.models import Ballot, Comment
from minping.surveys.progress import ChannelFigure, campaign_progress

# Comments printed on one unit's card at most; the card says how many there were.
COMMENTS_SHOWN = 60


@dataclass(frozen=True)
class UnitSample:
    code: str
    name: str
    accepted: int
    below_target: bool
    response_rate: str  # "—" where no invitation names the unit


@dataclass
class MethodCollection:
    code: str
    title: str
    accepted: int
    held: int  # quarantined, awaiting review: not counted
    target: int  # per unit; 0 = none set
    rounds: int
    channels: list[ChannelFigure]
    # Ballots per respondent category for the whole method, small counts hidden (None).
    categories: list[tuple[str, int | None]]
    units: list[UnitSample] = field(default_factory=list)
    invites_units: bool = False

    @property
    def below_target(self) -> list[UnitSample]:
        return [u for u in self.units if u.below_target]


def _category_totals(method_id: int) -> list[tuple[str, int | None]]:
    counts = {
        (category or "未填"): n
        for category, n in Ballot.objects.filter(method_id=method_id, status=Ballot.Status.ACCEPTED)
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    }
    cells = suppress(counts, threshold())
    return sorted(cells.items(), key=lambda item: (-(counts[item[0]]), item[0]))


def collection(campaign: Campaign) -> list[MethodCollection]:
    """Per ballot method: what was collected, through which channels, against the targets."""
    out = []
    for progress in campaign_progress(campaign):
        settings = progress.settings
        out.append(
            MethodCollection(
                code=progress.method.code,
                title=progress.method.title,
                accepted=progress.accepted,
                held=progress.quarantined,
                target=settings.target,
                rounds=settings.rounds,
                channels=list(progress.channels),
                categories=_category_totals(progress.method.pk),
                units=[
                    UnitSample(u.code, u.name, u.accepted, u.below_target, u.response_rate)
                    for u in progress.units
                ],
                invites_units=progress.invites_units,
            )
        )
    return out


def asked_by_group(campaign: Campaign) -> dict[str, list[str]]:
    """Each group's indicator codes, as its methods ask them (version 2 may narrow a
    method's questions): the rows of the group's per-indicator tables."""
    definition = campaign.as_definition()
    return {
        g.code: [i.code for i in definition.indicators_of_group(g.code)] for g in definition.groups
    }


def excluded_units(campaign: Campaign) -> list[str]:
    """Names of the units left out of this campaign (R-05)."""
    names = dict(Unit.objects.filter(code__in=campaign.exclude).values_list("code", "name"))
    return [names.get(code, code) for code in campaign.exclude]


def ineligibility_reasons(campaign: Campaign) -> dict[str, str]:
    """Unit code → why it lost award eligibility (R-39)."""
    withdrawn = Ineligibility.objects.filter(campaign=campaign).select_related("unit", "rule")
    return {item.unit.code: item.shown_reason for item in withdrawn}


@dataclass
class CaseFigures:
    overall: CaseRow
    by_source: list[tuple[str, int]]
    by_state: list[tuple[str, int]]
    by_unit: dict[str, CaseRow]


def case_figures(campaign: Campaign) -> CaseFigures:
    """The campaign's cases (R-33): counts and rates overall, by source and per unit named."""
    counted = Case.objects.filter(campaign=campaign).exclude(state=State.MERGED)
    overall, by_source, by_state, rows = summarise(counted)
    return CaseFigures(overall, by_source, by_state, {row.code: row for row in rows})


def unit_cases(campaign: Campaign, unit: Unit) -> CaseRow:
    """One unit's cases in the campaign, its windows and stations included (R-03)."""
    counted = Case.objects.filter(
        campaign=campaign, unit_id__in=unit_ids_with_parts([unit.pk])
    ).exclude(state=State.MERGED)
    return CaseRow("合计", counted.aggregate(**COUNTS))


@dataclass
class UnitComments:
    """What a unit's citizens wrote, where enough ballots stand behind it."""

    shown: list[tuple[str, str]]  # (unit name, text), in no meaningful order
    total: int  # comments that may be shown
    # Names of the unit or its parts whose comments were withheld: too few ballots.
    withheld: list[str]
    limit: int


def unit_comments(campaign: Campaign, unit: Unit, most: int = COMMENTS_SHOWN) -> UnitComments:
    """The comments about a unit and its parts, only for those with enough accepted ballots.

    The rule is the collection pages' (``breakdown.shown``): fewer than the threshold
    and a comment could point at its writer, so none of that unit's comments is printed.
    Comments of quarantined or rejected ballots are left out; the order is the
    comments' random ids, so nothing about when they were written shows.
    """
    ids = unit_ids_with_parts([unit.pk])
    ballots = dict(
        Ballot.objects.filter(campaign=campaign, unit_id__in=ids, status=Ballot.Status.ACCEPTED)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    comments = (
        Comment.objects.filter(campaign=campaign, unit_id__in=ids)
        .filter(Q(ballot__isnull=True) | Q(ballot__status=Ballot.Status.ACCEPTED))
        .exclude(text="")
    )
    with_comments = dict(comments.values_list("unit_id").annotate(n=Count("id")).order_by())
    allowed = [uid for uid in with_comments if ballots.get(uid, 0) and shown(ballots[uid])]
    names = dict(Unit.objects.filter(pk__in=with_comments).values_list("pk", "name"))
    withheld = sorted(names[uid] for uid in with_comments if uid not in allowed)
    rows = comments.filter(unit_id__in=allowed).order_by("id").values_list("unit_id", "text")
    return UnitComments(
        shown=[(names[uid], text.strip()) for uid, text in rows[:most]],
        total=sum(with_comments[uid] for uid in allowed),
        withheld=withheld,
        limit=threshold(),
    )
