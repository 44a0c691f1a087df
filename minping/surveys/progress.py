"""The organiser's live view of collection: ballots against targets, rounds and their rankings.

Everything is counted by the database (DESIGN principle 1): a handful of
``GROUP BY`` queries per method, whatever the number of ballots; Python only
arranges the few grouped rows. Per-category figures go through
``breakdown.suppress`` (via ``category_table``); nothing here is per ballot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from minping.campaigns.models import Campaign, Method
from minping.lib.rates import as_percent, rate
from minping.orgs.models import Group, Unit
from minping.scoring import engine
from minping.surveys.breakdown import Row, category_table
from minping.surveys.models import Answer, Ballot, Channel, CollectionSettings, Invitation
from minping.surveys.questionnaires import pickable_units, settings_for

# Units outside the campaign's groups (windows, parts) are ranked together under this name.
OTHER_GROUP = "其他参评对象"


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    accepted: int
    # Accepted ballots in round 1, 2, …, settings.rounds.
    by_round: tuple[int, ...]
    quarantined: int
    below_target: bool
    # Per round: below the per-round target (only rounds already opened).
    round_below: tuple[bool, ...]
    # Invitations naming this unit: issued, and used (a plain flag, no date).
    invited: int = 0
    invitations_used: int = 0

    @property
    def rounds(self) -> list[tuple[int, bool]]:
        return list(zip(self.by_round, self.round_below, strict=True))

    @property
    def response_rate(self) -> str:
        return as_percent(rate(self.invitations_used, self.invited))


@dataclass(frozen=True)
class QuotaFigure:
    """One respondent category's quota (R-18): accepted ballots wanted from it per unit."""

    category: str
    per_unit: int
    accepted: int
    # Names of the units with fewer accepted ballots of this category than the quota.
    short: list[str]


@dataclass(frozen=True)
class ChannelFigure:
    label: str
    ballots: int
    # Where a denominator exists (invitations issued), the response rate = used ÷ issued.
    issued: int | None = None
    used: int | None = None

    @property
    def rate(self) -> str:
        return "—" if self.used is None else as_percent(rate(self.used, self.issued))


@dataclass(frozen=True)
class Ranked:
    rank: int
    name: str
    score: Decimal
    ballots: int


@dataclass(frozen=True)
class RoundRanking:
    number: int
    closed: bool
    # Group name → units ranked by the round's satisfaction score (S-1, S-5), best first.
    groups: list[tuple[str, list[Ranked]]]


@dataclass
class MethodProgress:
    method: Method
    settings: CollectionSettings
    units: list[UnitProgress] = field(default_factory=list)
    channels: list[ChannelFigure] = field(default_factory=list)
    rankings: list[RoundRanking] = field(default_factory=list)
    category_columns: list[str] = field(default_factory=list)
    category_rows: list[Row] = field(default_factory=list)
    quotas: list[QuotaFigure] = field(default_factory=list)
    # Accepted questionnaires, one per person (version 2: a questionnaire over several
    # units is one; "不少于500份", "100名群众"); equal to ``accepted`` in a version-1 campaign.
    people: int = 0

    @property
    def shared_sheets(self) -> bool:
        """Whether some questionnaires rated several units, so people differ from ballots."""
        return self.people != self.accepted

    @property
    def accepted(self) -> int:
        return sum(unit.accepted for unit in self.units)

    @property
    def quarantined(self) -> int:
        return sum(unit.quarantined for unit in self.units)

    @property
    def below_target(self) -> int:
        return sum(unit.below_target for unit in self.units)

    @property
    def invites_units(self) -> bool:
        """Whether any invitation names a unit, so per-unit response rates mean something."""
        return any(unit.invited for unit in self.units)

    @property
    def round_numbers(self) -> list[int]:
        return list(range(1, self.settings.rounds + 1))

    @property
    def can_advance(self) -> bool:
        return self.settings.current_round < self.settings.rounds


def campaign_progress(campaign: Campaign) -> list[MethodProgress]:
    return [
        method_progress(method)
        for method in campaign.methods.filter(input=Method.BALLOTS).order_by("order")
    ]


def method_progress(method: Method) -> MethodProgress:
    settings = settings_for(method)
    progress = MethodProgress(method, settings)
    rounds = max(settings.rounds, 1)
    # (unit id, round, status) → ballots: one GROUP BY serves targets, rounds and held counts.
    counts: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for unit_id, round_number, status, n in (
        Ballot.objects.filter(method=method)
        .values_list("unit_id", "round", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[unit_id][(round_number or 1, status)] = n
    units = _units(method.campaign, set(counts))
    accepted = Ballot.Status.ACCEPTED
    invited = {
        unit_id: (issued, used)
        for unit_id, issued, used in Invitation.objects.filter(method=method, unit__isnull=False)
        .values_list("unit_id")
        .annotate(issued=Count("id"), used=Count("id", filter=Q(used=True)))
        .order_by()
    }
    for unit in units:
        cells = counts.get(unit.pk, {})
        by_round = tuple(cells.get((r, accepted), 0) for r in range(1, rounds + 1))
        total = sum(n for (_r, status), n in cells.items() if status == accepted)
        issued, used = invited.get(unit.pk, (0, 0))
        progress.units.append(
            UnitProgress(
                code=unit.code,
                name=unit.name,
                accepted=total,
                by_round=by_round,
                quarantined=sum(
                    n for (_r, status), n in cells.items() if status == Ballot.Status.QUARANTINED
                ),
                below_target=settings.target > 0 and total < settings.target,
                round_below=tuple(
                    settings.round_target > 0
                    and number <= settings.current_round
                    and n < settings.round_target
                    for number, n in enumerate(by_round, 1)
                ),
                invited=issued,
                invitations_used=used,
            )
        )
    progress.people = _people(method, progress.accepted)
    progress.channels = _channels(method)
    progress.rankings = round_rankings(method, settings, units)
    progress.category_columns, progress.category_rows = category_table(method)
    progress.quotas = quota_figures(method, settings, units)
    return progress


def _people(method: Method, accepted: int) -> int:
    """Accepted questionnaires counted by person: a version-2 questionnaire that rated several
    units (``Ballot.sheet``) is one. A version-1 campaign stores none: ``accepted``."""
    if method.campaign.format < 2:
        return accepted
    figures = Ballot.objects.filter(method=method, status=Ballot.Status.ACCEPTED).aggregate(
        alone=Count("id", filter=Q(sheet__isnull=True)), sheets=Count("sheet", distinct=True)
    )
    return int(figures["alone"] or 0) + int(figures["sheets"] or 0)


def quota_figures(
    method: Method, settings: CollectionSettings, units: list[Unit]
) -> list[QuotaFigure]:
    """Per category with a quota: its accepted ballots, and the units still short of it.

    Only "short or not" leaves here per unit, never a unit's count for a category:
    small per-category counts are hidden everywhere else (``breakdown.suppress``).
    """
    quotas = settings.category_quotas or {}
    if not quotas:
        return []
    counts = {
        (unit_id, category): n
        for unit_id, category, n in Ballot.objects.filter(
            method=method, status=Ballot.Status.ACCEPTED, category__in=list(quotas)
        )
        .values_list("unit_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    }
    return [
        QuotaFigure(
            category,
            per_unit,
            sum(n for (_unit, name), n in counts.items() if name == category),
            [unit.name for unit in units if counts.get((unit.pk, category), 0) < per_unit],
        )
        for category, per_unit in quotas.items()
    ]


def ranking_units(method: Method) -> list[Unit]:
    """The units :func:`round_rankings` ranks for ``method``, as the progress page ranks them."""
    with_ballots = set(
        Ballot.objects.filter(method=method).values_list("unit_id", flat=True).distinct()
    )
    return _units(method.campaign, with_ballots)


def _units(campaign: Campaign, with_ballots: set[int]) -> list[Unit]:
    """The ranked units, then the windows and stations taking part that have ballots.

    Both from ``campaigns.participation``: an excluded unit, or a window of one, is
    not listed even if ballots were stored for it before it was excluded.
    """
    taking_part = campaign.participation()
    ranked = pickable_units(campaign, taking_part).units
    parts = set(taking_part.ids(taking_part.every_part())) & with_ballots
    return [*ranked, *Unit.objects.filter(pk__in=parts).order_by("code")]


def _channels(method: Method) -> list[ChannelFigure]:
    """Accepted ballots per channel; for invitations also issued, used and the rate.

    ``Invitation.used`` is a flag set in the ballot's transaction, so "used" is a plain
    count; it carries no date and the page shows only the method's totals, so nothing
    here lines an invitation up with a ballot.
    """
    by_channel = dict(
        Ballot.objects.filter(method=method, status=Ballot.Status.ACCEPTED)
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    invitations = Invitation.objects.filter(method=method).aggregate(
        issued=Count("id"), used=Count("id", filter=Q(used=True))
    )
    figures = []
    for channel in Channel:
        ballots = by_channel.pop(channel.value, 0)
        if channel == Channel.INVITATION and (ballots or invitations["issued"]):
            figures.append(
                ChannelFigure(channel.label, ballots, invitations["issued"], invitations["used"])
            )
        elif ballots:
            figures.append(ChannelFigure(channel.label, ballots))
    figures.extend(ChannelFigure(code, n) for code, n in sorted(by_channel.items()))
    return figures


def round_rankings(
    method: Method, settings: CollectionSettings, units: list[Unit]
) -> list[RoundRanking]:
    """Per opened round, units ranked by that round's accepted answers alone (R-10).

    The scoring engine works each unit's figure out as it does for the results (S-1
    from the unit's own answers), rounds it half-up and ranks it with ties sharing a
    rank (S-5); the database counts the answers per (round, unit, indicator, level).
    """
    campaign = method.campaign
    codes = {unit.pk: unit.code for unit in units}
    indicators = dict(campaign.indicators.values_list("id", "code"))
    levels = dict(campaign.levels.values_list("id", "label"))
    # A version-2 method may count some respondent categories only: then by category.
    by_category = bool(method.respondents or method.exclude_respondents)
    answers: dict[int, list[engine.AnswerCount]] = defaultdict(list)
    for round_number, unit_id, indicator_id, level_id, *category, n in (
        Answer.objects.filter(method=method, ballot__status=Ballot.Status.ACCEPTED)
        .values_list(
            "ballot__round",
            "unit_id",
            "indicator_id",
            "level_id",
            *(["ballot__category"] if by_category else []),
        )
        .annotate(n=Count("id"))
        .order_by()
    ):
        if unit_id in codes:
            answers[round_number or 1].append(
                engine.AnswerCount(
                    method.code,
                    codes[unit_id],
                    indicators[indicator_id],
                    levels[level_id],
                    n,
                    *category,
                )
            )
    ballots: dict[int, list[engine.BallotCount]] = defaultdict(list)
    for round_number, unit_id, *category, n in (
        Ballot.objects.filter(method=method, status=Ballot.Status.ACCEPTED)
        .values_list("round", "unit_id", *(["category"] if by_category else []))
        .annotate(n=Count("id"))
        .order_by()
    ):
        if unit_id in codes:
            ballots[round_number or 1].append(
                engine.BallotCount(method.code, codes[unit_id], n, *category)
            )
    definition = campaign.as_definition()
    group_names = dict(Group.objects.values_list("id", "name"))
    groups = {unit.code: group_names.get(unit.group_id or 0, OTHER_GROUP) for unit in units}
    names = {unit.code: unit.name for unit in units}
    rankings = []
    for number in range(1, min(settings.current_round, max(settings.rounds, 1)) + 1):
        tallies = engine.Tallies((), tuple(answers[number]), tuple(ballots[number]))
        figures = engine.own_figures(definition, method.code, tallies)
        by_group: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for code, figure in figures.items():
            by_group[groups[code]][code] = engine.round2(figure.score)
        ranked_groups = []
        for group_name in sorted(by_group, key=lambda g: (g == OTHER_GROUP, g)):
            scores = by_group[group_name]
            ranks = engine.competition_ranks(scores)
            rows = sorted(scores, key=lambda code: (ranks[code], names[code]))
            ranked = [
                Ranked(ranks[code], names[code], scores[code], figures[code].ballots or 0)
                for code in rows
            ]
            ranked_groups.append((group_name, ranked))
        rankings.append(RoundRanking(number, number < settings.current_round, ranked_groups))
    return rankings
