"""A results snapshot read back into typed figures for the report and the report cards.

Pure: it takes the stored ``results`` and ``breakdown`` (the results JSON of
DESIGN.md and ``scoring.export.breakdown_json``) and the indicator titles, and
touches no database. Every figure is a ``Decimal`` to 2 places as published;
everything worked out here from published figures (means, indicator scores) is
exact until rounded half-up once (S-5, ``engine.round2``).

Choices, stated in the report's own words as well (``templates/reports/analysis``):

- The mean composite is the mean of the published (rounded) composites of the
  ranked units that have one.
- A unit's indicator score pools every answer about it (and its parts, R-03) on
  every ballot method: Σ points / Σ answers. The group's indicator score is the
  unweighted mean of its units' indicator scores, as each unit counts once.
- A vetoed unit is graded 不满意 (S-6), whatever its rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from minping.scoring.engine import EXCELLENT, SCORES, UNSATISFACTORY, round2

GRADE_LABELS = {EXCELLENT: "优秀", UNSATISFACTORY: "不满意"}
OTHER_GRADE = "其余单位"
# Risers and fallers named per group.
CHANGE_NAMED = 5
DISTRIBUTION_STEP = 5


def dec(value: Any) -> Decimal | None:
    """A published figure (a JSON number) as the 2-decimal Decimal it was printed as."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def show(value: Decimal | None, sign: bool = False) -> str:
    """A figure as printed: 86.40, +1.25; "—" where there is none."""
    if value is None:
        return "—"
    return f"{value:+.2f}" if sign else f"{value:.2f}"


@dataclass(frozen=True)
class MethodInfo:
    code: str
    title: str
    weight: Decimal
    scores_input: bool  # an imported score, not ballots


@dataclass(frozen=True)
class MethodFigure:
    score: Decimal | None
    ballots: int | None
    rate: Decimal | None
    rank: int | None


@dataclass(frozen=True)
class DeductionItem:
    title: str
    source: str
    date: str
    count: int
    points: Decimal
    amount: Decimal
    evidence: str


@dataclass(frozen=True)
class VetoItem:
    title: str
    date: str
    evidence: str


@dataclass(frozen=True)
class UnitFigures:
    code: str
    name: str
    group: str
    rank: int | None
    composite: Decimal | None
    weighted: Decimal | None
    deducted: Decimal
    grade: str | None
    vetoed: bool
    eligible: bool
    watchlist: tuple[str, ...]
    baseline: Decimal | None
    change: Decimal | None
    methods: Mapping[str, MethodFigure]
    indicators: Mapping[str, Decimal | None]
    deductions: tuple[DeductionItem, ...] = ()
    # Per source, the total that counted after its cap (source title → points).
    source_totals: tuple[tuple[str, Decimal], ...] = ()
    vetoes: tuple[VetoItem, ...] = ()
    grade_reason: str = ""

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.grade or "", "")


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    units: tuple[UnitFigures, ...]

    @property
    def ranked(self) -> list[UnitFigures]:
        return [u for u in self.units if u.composite is not None]


@dataclass
class Snapshot:
    """Everything the report needs from one results snapshot."""

    campaign: str
    title: str
    complete: bool
    methods: list[MethodInfo]
    indicators: list[tuple[str, str]]  # (code, title)
    sources: list[tuple[str, str]]
    groups: list[Group]
    missing: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    baseline_campaign: str | None = None
    # Group code → the indicator codes its methods ask (``indicators_of_group``); a group
    # not here, or with none, shows every indicator.
    asked: dict[str, list[str]] = field(default_factory=dict)

    def indicators_of(self, group: str) -> list[tuple[str, str]]:
        """The (code, title) rows of a per-indicator table of ``group``."""
        codes = self.asked.get(group)
        return [i for i in self.indicators if i[0] in codes] if codes else self.indicators

    @property
    def units(self) -> list[UnitFigures]:
        return [u for g in self.groups for u in g.units]

    def unit(self, code: str) -> UnitFigures | None:
        return next((u for u in self.units if u.code == code), None)

    def group_of(self, unit: UnitFigures) -> Group:
        return next(g for g in self.groups if g.code == unit.group)

    def method_title(self, code: str) -> str:
        return next((m.title for m in self.methods if m.code == code), code)


# --- reading ---------------------------------------------------------------------


def _pooled(figure: Mapping[str, Any] | None, sums: dict[str, list[Fraction]]) -> None:
    """Add a method figure's answers per indicator (its own, or its parts', recursively)."""
    if not figure:
        return
    for item in figure.get("indicators") or []:
        entry = sums.setdefault(item["indicator"], [Fraction(0), Fraction(0)])
        entry[0] += Fraction(str(item.get("points_sum") or 0))
        entry[1] += int(item.get("answers") or 0)
    for part in figure.get("parts") or []:
        _pooled(part, sums)


def indicator_scores(
    working: Mapping[str, Any], ballot_methods: Iterable[str]
) -> dict[str, Decimal | None]:
    """A unit's indicator scores: every answer pooled over the ballot methods (Σ points / Σ n)."""
    sums: dict[str, list[Fraction]] = {}
    for code in ballot_methods:
        _pooled((working.get("methods") or {}).get(code), sums)
    return {
        code: round2(points / answers) if answers else None
        for code, (points, answers) in sums.items()
    }


def _unit(
    data: Mapping[str, Any],
    working: Mapping[str, Any],
    ballot_methods: list[str],
    source_titles: Mapping[str, str],
) -> UnitFigures:
    methods = {
        code: MethodFigure(
            dec(figure.get("score")) if figure else None,
            figure.get("ballots") if figure else None,
            dec(figure.get("satisfaction_rate")) if figure else None,
            (data.get("method_ranks") or {}).get(code),
        )
        for code, figure in (data.get("methods") or {}).items()
    }
    deductions = tuple(
        DeductionItem(
            d.get("title", ""),
            source_titles.get(d.get("source", ""), d.get("source", "")),
            str(d.get("date", "")),
            int(d.get("count") or 1),
            dec(d.get("points")) or Decimal(0),
            dec(d.get("amount")) or Decimal(0),
            d.get("evidence", ""),
        )
        for d in working.get("deductions") or []
        if d.get("counted")
    )
    vetoes = tuple(
        VetoItem(v.get("title", ""), str(v.get("date", "")), v.get("evidence", ""))
        for v in working.get("vetoes") or []
    )
    totals = tuple(
        (s.get("title", ""), dec(s.get("total")) or Decimal(0))
        for s in working.get("sources") or []
        if s.get("total")
    )
    deducted = sum(
        (dec(v) or Decimal(0) for v in (data.get("deductions") or {}).values()), Decimal("0.00")
    )
    return UnitFigures(
        code=data["unit"],
        name=data.get("name", data["unit"]),
        group=data.get("group", ""),
        rank=data.get("rank"),
        composite=dec(data.get("composite")),
        weighted=dec(data.get("weighted")),
        deducted=deducted,
        # A vetoed unit is unsatisfactory (S-6) even in a snapshot that says otherwise.
        grade=UNSATISFACTORY if data.get("vetoed") else data.get("grade"),
        vetoed=bool(data.get("vetoed")),
        eligible=data.get("eligible", True) is not False,
        watchlist=tuple(data.get("watchlist") or ()),
        baseline=dec(data.get("baseline")),
        change=dec(data.get("change")),
        methods=methods,
        indicators=indicator_scores(working, ballot_methods),
        deductions=deductions,
        source_totals=totals,
        vetoes=vetoes,
        grade_reason=working.get("grade", ""),
    )


def read_snapshot(
    results: Mapping[str, Any],
    breakdown: Mapping[str, Any],
    indicators: list[tuple[str, str]],
    group_names: Mapping[str, str] | None = None,
) -> Snapshot:
    """The snapshot's figures; ``indicators`` (code, title) in the campaign's order."""
    methods = [
        MethodInfo(
            m["code"],
            m.get("title", m["code"]),
            dec(m.get("weight")) or Decimal(0),
            m.get("input") == SCORES,
        )
        for m in results.get("methods") or []
    ]
    ballot_methods = [m.code for m in methods if not m.scores_input]
    sources = [
        (s["code"], s.get("title", s["code"])) for s in results.get("deduction_sources") or []
    ]
    source_titles = dict(sources)
    workings = (breakdown or {}).get("units") or {}
    names = {g["code"]: g.get("name", g["code"]) for g in results.get("groups") or []}
    names.update(group_names or {})
    by_group: dict[str, list[UnitFigures]] = {code: [] for code in names}
    for data in results.get("units") or []:
        unit = _unit(data, workings.get(data["unit"]) or {}, ballot_methods, source_titles)
        by_group.setdefault(unit.group, []).append(unit)
    groups = [
        Group(code, names.get(code, code), tuple(units))
        for code, units in by_group.items()
        if units
    ]
    baseline = results.get("baseline_campaign") or None
    return Snapshot(
        campaign=results.get("campaign", ""),
        title=results.get("title", ""),
        complete=bool(results.get("complete", False)),
        methods=methods,
        indicators=indicators,
        sources=sources,
        groups=groups,
        missing=list(results.get("missing") or []),
        notes=list(results.get("notes") or []),
        baseline_campaign=baseline.get("campaign") if isinstance(baseline, dict) else None,
    )


# --- what the report says about them ----------------------------------------------------


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """The exact mean of published figures, rounded half-up once."""
    items = list(values)
    if not items:
        return None
    return round2(sum((Fraction(v) for v in items), Fraction(0)) / len(items))


def median(values: Iterable[Decimal]) -> Decimal | None:
    items = sorted(values)
    if not items:
        return None
    middle = len(items) // 2
    if len(items) % 2:
        return items[middle]
    return round2((Fraction(items[middle - 1]) + Fraction(items[middle])) / 2)


@dataclass(frozen=True)
class Bin:
    label: str
    count: int


def distribution(values: Iterable[Decimal], step: int = DISTRIBUTION_STEP) -> list[Bin]:
    """Counts per band of ``step`` points, highest band first: "90 分及以上", "85–90 分" …"""
    items = list(values)
    if not items:
        return []
    top = max(int(v // step) for v in items)
    bottom = min(int(v // step) for v in items)
    bins = []
    for band in range(top, bottom - 1, -1):
        low, high = band * step, (band + 1) * step
        count = sum(1 for v in items if low <= v < high)
        label = f"{low} 分及以上" if band == top else f"{low}(含)至 {high} 分"
        if band == top:
            count = sum(1 for v in items if v >= low)
        bins.append(Bin(label, count))
    return bins


def grade_counts(units: Iterable[UnitFigures]) -> list[tuple[str, int]]:
    """(优秀, n), (不满意, n), (其余单位, n) for the ranked units given."""
    items = list(units)
    excellent = sum(1 for u in items if u.grade == EXCELLENT)
    unsatisfactory = sum(1 for u in items if u.grade == UNSATISFACTORY)
    return [
        (GRADE_LABELS[EXCELLENT], excellent),
        (GRADE_LABELS[UNSATISFACTORY], unsatisfactory),
        (OTHER_GRADE, len(items) - excellent - unsatisfactory),
    ]


def indicator_means(
    units: Iterable[UnitFigures], codes: Iterable[str]
) -> dict[str, Decimal | None]:
    """Per indicator, the unweighted mean of the units' scores (each unit counts once)."""
    items = list(units)
    return {
        code: mean(s for u in items if (s := u.indicators.get(code)) is not None) for code in codes
    }


def weakest(scores: Mapping[str, Decimal | None]) -> list[str]:
    """The indicator codes with the lowest score (ties all named); empty without scores."""
    present = {code: s for code, s in scores.items() if s is not None}
    if not present:
        return []
    low = min(present.values())
    return [code for code, s in present.items() if s == low]


def risers_and_fallers(
    units: Iterable[UnitFigures], named: int = CHANGE_NAMED
) -> tuple[list[UnitFigures], list[UnitFigures]]:
    """The units that rose most and fell most against the baseline (S-7), ``named`` each."""
    changed = [u for u in units if u.change is not None]
    risers = sorted(
        (u for u in changed if u.change and u.change > 0), key=lambda u: (-(u.change or 0), u.code)
    )
    fallers = sorted(
        (u for u in changed if u.change and u.change < 0), key=lambda u: (u.change or 0, u.code)
    )
    return risers[:named], fallers[:named]
