"""The scoring engine: a campaign's published rules applied to counted ballots (S-1..S-7).

Pure: no ORM and no I/O. Frozen dataclasses in (the campaign's definition and
the counts the database made), frozen dataclasses out (results per unit, with a
breakdown that explains every figure). Arithmetic is exact (``Fraction``);
figures are rounded half-up to 2 decimals only when they are shown or ranked.

Everything here is keyed by codes, never database ids, so results can be
checked by hand against the published rules and compared across campaigns.

Where the rules are silent, these choices were made:

- A ranked unit without a figure on a weighted method (no answers anywhere in
  its subtree, or no imported score) is never scored as zero: it is listed in
  ``Results.missing``, gets no weighted/composite/rank, and only a veto can grade
  it. A method of weight 0 (ranked on its own, R-19) blocks nothing; one a
  version-2 file marks ``scored = false`` is left out of the weighted formula too.
- Which units are ranked and which are parts (S-2) is decided by
  ``campaigns.participation``, as for the importers and pickers: a unit under an
  excluded one is left out with it. A part with no data is skipped in the mean.
  Imported scores are not averaged over parts. A version-1 department's own
  ballots replace its parts' mean; a version-2 file says per ballot method
  (``parts``: the mean only, or the department only), may rank the parts in a
  group of their own (``parts_of``) and may rate only some units on a method
  (``covers``: the others' weighted score rescales the remaining weights to 100).
- Grading (S-6): vetoed units are always unsatisfactory and never excellent;
  excellent is decided next, and unsatisfactory only takes units not already
  excellent, so a small group is never graded twice. Vetoed units keep the rank
  their score earns.
- A unit that lost award eligibility (R-39) keeps its score and rank but is
  never excellent; the excellent places go to the next eligible units.
- Deductions and vetoes apply to the unit they are recorded against; those
  against a unit not ranked in the campaign are noted, not moved to a parent.
  Vetoes are not limited to the deduction window. Without a window, all dates count.
- Change (S-7) = rounded composite − the baseline's published (rounded)
  composite, so it equals the difference of the two printed figures.
- A version-2 file may compute no composite (``composite = false``, R-19): each
  method is ranked on its own; ``grading.by`` names the method whose score (after
  its deductions) ranks and grades the units, and without it no unit has a rank and
  only vetoes grade. Weighted, composite, baseline and change are then None.
- A version-2 ballot method may say whose ballots count (``respondents``,
  ``exclude_respondents``, R-13): the others are left out, answers and ballots
  alike, and a note says how many and why (``MethodDef.respondent_refusal``).
- A method whose input is ``cases`` (R-33) counts the cases of the unit and of
  its windows and stations together (the department answers for them), not a
  mean of their rates; a rate with nothing to divide by is left out and the
  other weights rescaled; a unit with no case scores the formula's ``no_cases``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Literal

# The campaign's rules are the definition's own records, and who takes part is
# decided where the importers and pickers have it decided; both modules are pure.
from minping.campaigns.definition import (
    BALLOTS,
    CASE_RATES,
    CASES,
    SCORES,
    CampaignDefinition,
    CaseFormulaDef,
    GradingDef,
    LevelDef,
    MethodDef,
)
from minping.campaigns.participation import Participation, UnitDef, for_definition

EXCELLENT = "excellent"
UNSATISFACTORY = "unsatisfactory"

Number = Fraction | Decimal | int
FigureSource = Literal["ballots", "parts", "scores", "cases"]


# --- input ------------------------------------------------------------------
#
# The counted rows below can be many (units × methods × indicators × levels), hence slots.
# The campaign comes in as the ``CampaignDefinition`` its file was read into
# (``Campaign.as_definition()`` for a stored one), the unit tree as ``UnitDef``s.


@dataclass(frozen=True, slots=True)
class AnswerCount:
    """How many answers chose ``level`` for ``indicator`` about ``unit`` on ``method``."""

    method: str
    unit: str
    indicator: str
    level: str
    count: int
    # The respondents' category (评议主体类别): given only for a method whose version-2
    # definition says whose ballots count (``respondents``); "" otherwise.
    category: str = ""


@dataclass(frozen=True, slots=True)
class BallotCount:
    """How many questionnaires were returned about ``unit`` on ``method``."""

    method: str
    unit: str
    count: int
    category: str = ""  # as AnswerCount's


@dataclass(frozen=True, slots=True)
class SheetUnits:
    """One person's questionnaire that rated several ``units`` on ``method`` (version 2):
    one ballot per unit, but one questionnaire when a mean over parts counts them (S-2)."""

    method: str
    units: frozenset[str]


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """A 0–100 score imported for a method whose input is ``scores``."""

    method: str
    unit: str
    score: Decimal


@dataclass(frozen=True, slots=True)
class CaseCount:
    """What the database counted of the cases of the campaign one unit is responsible for
    (R-33), as ``cases.stats`` counts them, for a method whose input is ``cases``."""

    unit: str
    cases: int  # registered (merged duplicates are not counted)
    answered: int
    on_time: int  # answered by the deadline
    closed: int
    followed_up: int
    satisfied: int  # satisfied or basically satisfied at the follow-up
    promised: int = 0  # ledger lines the unit wrote for these cases: what it promised
    kept: int = 0  # of those, struck off by their time limit


@dataclass(frozen=True, slots=True)
class DeductionInput:
    id: int
    unit: str
    rule: str
    date: date
    count: int
    signed_off: bool  # signed off by the source's head and accepted by the organiser
    evidence: str = ""
    # Why it does not count yet when ``signed_off`` is false, e.g. "待组织单位审核".
    pending: str = "未签字"
    # The proposing body, for a rule several bodies propose (version 2); else empty.
    source: str = ""
    # The points per event set for this case, for a rule with ``max_points`` (version 2).
    points: Decimal | None = None


@dataclass(frozen=True, slots=True)
class VetoInput:
    id: int
    unit: str
    rule: str
    date: date
    evidence: str = ""


@dataclass(frozen=True)
class Tallies:
    """What the database counted for one campaign. Rows may come in any order."""

    units: tuple[UnitDef, ...]
    answers: tuple[AnswerCount, ...] = ()
    ballots: tuple[BallotCount, ...] = ()
    scores: tuple[ScoreInput, ...] = ()
    deductions: tuple[DeductionInput, ...] = ()
    vetoes: tuple[VetoInput, ...] = ()
    # Codes of units that lost award eligibility: never graded excellent.
    ineligible: frozenset[str] = frozenset()
    cases: tuple[CaseCount, ...] = ()
    # Why each of ``ineligible`` lost it, as recorded; shown in the grade's reason.
    ineligible_reasons: Mapping[str, str] = field(default_factory=dict)
    # Questionnaires that rated several units (version 2); those about one unit are not listed.
    sheets: tuple[SheetUnits, ...] = ()


@dataclass(frozen=True)
class Baseline:
    """Last year's published composites by unit code (S-7); ``None`` where it had none."""

    campaign: str
    composites: Mapping[str, Decimal | None]
    source: str = ""  # how they were obtained, shown in the breakdown
    # Units the baseline deducted points from (通报批评), for a version-2 focus list.
    criticised: frozenset[str] = frozenset()


# --- output -----------------------------------------------------------------


@dataclass(frozen=True)
class LevelCount:
    """How many answers chose a level of the campaign's scale."""

    level: LevelDef
    count: int

    @property
    def label(self) -> str:
        return self.level.label

    @property
    def points(self) -> Decimal:
        return self.level.points


@dataclass(frozen=True)
class IndicatorFigure:
    """S-1: one indicator's score = Σ(points × answers) / answers."""

    indicator: str
    weight: Decimal
    levels: tuple[LevelCount, ...]
    answers: int
    points_sum: Fraction
    score: Fraction
    formula: str


@dataclass(frozen=True)
class MethodFigure:
    """A unit's figure on one method, and how it was reached.

    ``source`` says where it came from: the unit's own ballots (S-1), the
    mean of its parts (S-2; ``parts`` holds their figures), or an imported score.
    """

    unit: str
    unit_name: str
    method: str
    source: FigureSource
    score: Fraction
    satisfaction_rate: Fraction | None
    ballots: int | None
    answers: int = 0
    satisfied_answers: int = 0
    indicators: tuple[IndicatorFigure, ...] = ()
    parts: tuple[MethodFigure, ...] = ()
    parts_without_data: tuple[str, ...] = ()
    formula: str = ""
    cases: int | None = None  # a ``cases`` method: the cases counted (the unit's and its parts')
    # Version 2: points taken off this method's score by deductions attached to it;
    # ``score`` is then the figure after them. None: no deduction applies to the method.
    deducted: Fraction | None = None


@dataclass(frozen=True)
class MissingInput:
    """A ranked unit that has no figure on a method: never counted as zero."""

    unit: str
    name: str
    group: str
    method: str
    reason: str  # "no_ballots" or "no_score"
    message: str
    # False when the method's weight is 0. Without a composite (version 2): True only
    # for the ``[grading] by`` method, since the unit then has no rank.
    blocks_composite: bool


@dataclass(frozen=True)
class DeductionLine:
    """One recorded deduction and whether it counts (S-4, R-21)."""

    id: int
    rule: str
    rule_title: str
    source: str
    date: date
    count: int
    points: Decimal
    amount: Fraction  # points × count
    counted: bool
    reason: str  # why not counted; empty when counted
    evidence: str


@dataclass(frozen=True)
class SourceTotal:
    """Per source: Σ points × count of the counted deductions, then capped (S-4)."""

    source: str
    title: str
    raw: Fraction
    cap: Decimal | None
    total: Fraction
    formula: str
    floor: Decimal | None = None  # version 2: the score is not taken below it by this source


@dataclass(frozen=True)
class VetoLine:
    id: int
    rule: str
    rule_title: str
    date: date
    evidence: str


@dataclass(frozen=True)
class UnitResult:
    """One ranked unit's results; exact figures, rounded by ``rounded()`` for output."""

    unit: str
    name: str
    group: str
    methods: Mapping[str, MethodFigure | None]
    method_ranks: Mapping[str, int | None]
    weighted: Fraction | None
    deductions: Mapping[str, Fraction]
    composite: Fraction | None
    rank: int | None
    vetoed: bool
    grade: str | None
    watchlist: tuple[str, ...]
    baseline: Decimal | None
    change: Decimal | None
    # The breakdown: how weighted, deductions and composite were reached.
    weighted_formula: str = ""
    deduction_lines: tuple[DeductionLine, ...] = ()
    source_totals: tuple[SourceTotal, ...] = ()
    vetoes: tuple[VetoLine, ...] = ()
    composite_formula: str = ""
    grade_reason: str = ""
    eligible: bool = True  # False: lost award eligibility
    ineligible_reason: str = ""  # why, as recorded
    # Version 2: why the unit is a focus of supervision this year, from last year's results.
    focus: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shortfall:
    """Fewer questionnaires than a version-2 method's minimum (000: 不少于500份)."""

    method: str
    unit: str  # empty: the whole campaign
    found: int
    required: int
    refuse: bool  # the method says ``too_few = "refuse"``: the results are incomplete
    message: str


@dataclass(frozen=True)
class Results:
    campaign: CampaignDefinition
    units: tuple[UnitResult, ...]  # ordered by group, then rank, then code
    missing: tuple[MissingInput, ...]
    notes: tuple[str, ...] = ()  # inputs that did not apply to any ranked unit
    baseline: Baseline | None = None
    unit_names: Mapping[str, str] = field(default_factory=dict)
    # What the figures were computed from: kept so a results package can carry it.
    tallies: Tallies | None = field(default=None, compare=False, repr=False)
    shortfalls: tuple[Shortfall, ...] = ()  # version 2: minimum samples not reached

    @property
    def complete(self) -> bool:
        return not any(m.blocks_composite for m in self.missing) and not any(
            s.refuse for s in self.shortfalls
        )


# --- rounding and ranking ------------------------------------------------------

CENT = Decimal("0.01")


def round2(x: Number) -> Decimal:
    """Round an exact figure half-up (away from zero at .5) to 2 decimals (S-5)."""
    q = abs(Fraction(x)) * 100
    cents = math.floor(q + Fraction(1, 2))
    if cents == 0:
        return Decimal("0.00")
    value = (Decimal(cents) / 100).quantize(CENT)
    return -value if x < 0 else value


def fmt(x: Number) -> str:
    """A figure as shown in a breakdown: rounded to 2 decimals."""
    return str(round2(x))


def fmt_plain(d: Decimal | int) -> str:
    """A defined constant (points, weight) without trailing zeros: 100, 0.1, 25."""
    return format(Decimal(d).normalize(), "f")


def competition_ranks(values: Mapping[str, Decimal]) -> dict[str, int]:
    """Rank highest first; equal values share a rank and the next is skipped (1, 2, 2, 4)."""
    ordered = sorted(values.values(), reverse=True)
    first: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in values.items()}


def with_ties(values: Mapping[str, Decimal], n: int, *, lowest: bool) -> set[str]:
    """The ``n`` highest (or lowest) keys, plus everyone tied with the ``n``-th (S-6)."""
    if n <= 0 or not values:
        return set()
    ordered = sorted(values.values(), reverse=not lowest)
    cut = ordered[min(n, len(ordered)) - 1]
    if lowest:
        return {key for key, value in values.items() if value <= cut}
    return {key for key, value in values.items() if value >= cut}


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


# --- S-1 and S-2: method figures ----------------------------------------------


class _Figures:
    """Works out every unit's figure on every method, memoised (parts are shared)."""

    def __init__(
        self, campaign: CampaignDefinition, tallies: Tallies, taking_part: Participation
    ) -> None:
        self.campaign = campaign
        self.levels = {level.label: level for level in campaign.levels}
        self.level_order = {level.label: i for i, level in enumerate(campaign.levels)}
        self.indicators = {ind.code: ind for ind in campaign.indicators}
        self.indicator_order = {ind.code: i for i, ind in enumerate(campaign.indicators)}
        self.asked = {
            m.code: {i.code for i in campaign.indicators_for(m.code)} for m in campaign.methods
        }
        self.units = {unit.code: unit for unit in tallies.units}
        self.taking_part = taking_part
        # Counts are summed, so rows split or repeated in any order give the same result.
        self.answers: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int))
        )
        # Version 2: ballots of a category the method does not count are left out,
        # (method, category) → [ballots, answers], and said so in the notes.
        self.refused: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        ruled = {m.code: m for m in campaign.methods if m.respondents or m.exclude_respondents}
        for a in tallies.answers:
            if a.count:
                if a.method in ruled and ruled[a.method].respondent_refusal(a.category):
                    self.refused[a.method, a.category][1] += a.count
                    continue
                self.answers[a.method, a.unit][a.indicator][a.level] += a.count
        self.ballots: dict[tuple[str, str], int] = defaultdict(int)
        for b in tallies.ballots:
            if b.method in ruled and ruled[b.method].respondent_refusal(b.category):
                self.refused[b.method, b.category][0] += b.count
                continue
            self.ballots[b.method, b.unit] += b.count
        self.scores = {(s.method, s.unit): s.score for s in tallies.scores}
        self.sheets: dict[str, list[frozenset[str]]] = defaultdict(list)
        for sheet in tallies.sheets:
            if len(sheet.units) > 1:
                self.sheets[sheet.method].append(sheet.units)
        # Cases about a window or station count for the department it is part of.
        self.cases: dict[str, list[CaseCount]] = defaultdict(list)
        for c in tallies.cases:
            if (owner := taking_part.counts_for(c.unit)) is not None:
                self.cases[owner].append(c)
        self.memo: dict[tuple[str, str], MethodFigure | None] = {}
        self._visiting: set[str] = set()

    def refused_notes(self) -> list[str]:
        """What the respondent rules left out, per method and category, and why."""
        methods = {m.code: m for m in self.campaign.methods}
        return [
            f"“{methods[method].title}”有 {ballots} 份答卷({answers} 条答案)未计入:"
            f"{methods[method].respondent_refusal(category)}"
            for (method, category), (ballots, answers) in sorted(self.refused.items())
        ]

    def counted_ballots(self, method: str) -> int:
        """The questionnaires counted on ``method`` in the whole campaign."""
        return sum(n for (code, _), n in self.ballots.items() if code == method)

    def figure(self, method: MethodDef, unit: str) -> MethodFigure | None:
        key = (method.code, unit)
        if key not in self.memo:
            scope = self.taking_part.scope(method.code)
            if not self.taking_part.rates(unit, method.code):
                self.memo[key] = None  # version 2: the method does not rate this unit
            elif method.input == SCORES:
                self.memo[key] = self._imported(method, unit)
            elif method.input == CASES:
                self.memo[key] = self._from_cases(method, unit)
            elif self.taking_part.by_parts(unit, method.code):
                # R-03 as a version-2 file says it: the mean of the parts, whatever
                # ballots name the department itself (the importers refuse them).
                self.memo[key] = self._from_parts(method, unit)
            elif scope.parts:
                self.memo[key] = self._own(method, unit)
            else:
                # Version 1: the department's own ballots, if any, replace its parts' mean.
                self.memo[key] = self._own(method, unit) or self._from_parts(method, unit)
        return self.memo[key]

    def _name(self, unit: str) -> str:
        found = self.units.get(unit)
        return found.name if found else unit

    def _imported(self, method: MethodDef, unit: str) -> MethodFigure | None:
        score = self.scores.get((method.code, unit))
        if score is None:
            return None
        return MethodFigure(
            unit=unit,
            unit_name=self._name(unit),
            method=method.code,
            source="scores",
            score=Fraction(score),
            satisfaction_rate=None,
            ballots=None,
            formula=f"录入得分 {fmt_plain(score)}",
        )

    def _from_cases(self, method: MethodDef, unit: str) -> MethodFigure | None:
        """R-33: the weighted rates of the unit's case handling (``CaseFormulaDef``)."""
        formula = method.cases or CaseFormulaDef()
        rows = self.cases.get(unit, [])
        total = sum(c.cases for c in rows)
        figure = partial(
            MethodFigure,
            unit=unit,
            unit_name=self._name(unit),
            method=method.code,
            source="cases",
            satisfaction_rate=None,
            ballots=None,
            cases=total,
        )
        if total == 0:
            points = fmt_plain(formula.no_cases)
            why = f"本活动没有该单位(含下属窗口/站所)的问题线索,按规定记 {points} 分"
            return figure(score=Fraction(formula.no_cases), formula=why)
        counts = {
            "on_time": (sum(c.on_time for c in rows), sum(c.answered for c in rows)),
            "resolved": (sum(c.closed for c in rows), total),
            "satisfied": (sum(c.satisfied for c in rows), sum(c.followed_up for c in rows)),
            "promised": (sum(c.kept for c in rows), sum(c.promised for c in rows)),
        }
        terms: list[tuple[Fraction, Decimal]] = []
        shown: list[str] = []
        for rate, weight in formula.weights:
            part, whole = counts[rate]
            if weight == 0:
                continue
            if whole == 0:
                shown.append(f"{CASE_RATES[rate]}无可计数据,不计")
                continue
            value = Fraction(part * 100, whole)
            terms.append((value, weight))
            shown.append(f"{CASE_RATES[rate]} {part}/{whole} = {fmt(value)}%×{fmt_plain(weight)}")
        weight_sum = sum((w for _, w in terms), Decimal(0))
        head = f"问题线索 {total} 件:" + ";".join(shown)
        if weight_sum == 0:
            return None
        score = sum((v * Fraction(w) for v, w in terms), Fraction(0)) / Fraction(weight_sum)
        working = " + ".join(f"{fmt(v)}×{fmt_plain(w)}" for v, w in terms)
        return figure(
            score=score, formula=f"{head};得分 ({working}) / {fmt_plain(weight_sum)} = {fmt(score)}"
        )

    def _own(self, method: MethodDef, unit: str) -> MethodFigure | None:
        """S-1 from the unit's own answers; ``None`` when it has none."""
        by_indicator = self.answers.get((method.code, unit))
        if not by_indicator:
            return None
        figures: list[IndicatorFigure] = []
        answers = satisfied = 0
        # Version 2: only the indicators the method asks count (``_unasked_answers`` notes others).
        asked = self.asked.get(method.code, set())
        for code in sorted(by_indicator, key=lambda c: self.indicator_order.get(c, 1 << 30)):
            counts = by_indicator[code]
            indicator = self.indicators.get(code) if code in asked else None
            levels = [
                LevelCount(self.levels[label], counts[label])
                for label in sorted(counts, key=lambda lb: self.level_order.get(lb, 1 << 30))
                if label in self.levels
            ]
            n = sum(lc.count for lc in levels)
            if indicator is None or n == 0:
                continue
            points_sum = sum((Fraction(lc.points) * lc.count for lc in levels), Fraction(0))
            answers += n
            satisfied += sum(lc.count for lc in levels if lc.level.satisfied)
            terms = " + ".join(f"{lc.label} {fmt_plain(lc.points)}×{lc.count}" for lc in levels)
            figures.append(
                IndicatorFigure(
                    indicator=code,
                    weight=indicator.weight,
                    levels=tuple(levels),
                    answers=n,
                    points_sum=points_sum,
                    score=points_sum / n,
                    formula=f"({terms}) / {n} = {fmt(points_sum / n)}",
                )
            )
        weight_sum = sum((f.weight for f in figures), Decimal(0))
        if not figures or weight_sum == 0:
            return None
        score = sum((f.score * Fraction(f.weight) for f in figures), Fraction(0)) / Fraction(
            weight_sum
        )
        rate = Fraction(satisfied * 100, answers)
        terms = " + ".join(f"{fmt(f.score)}×{fmt_plain(f.weight)}" for f in figures)
        ballots = self.ballots.get((method.code, unit), 0)
        formula = (
            f"指标加权平均 ({terms}) / {fmt_plain(weight_sum)} = {fmt(score)};"
            f"满意率 {satisfied} / {answers} × 100 = {fmt(rate)};答卷 {ballots} 份"
        )
        return MethodFigure(
            unit=unit,
            unit_name=self._name(unit),
            method=method.code,
            source="ballots",
            score=score,
            satisfaction_rate=rate,
            ballots=ballots,
            answers=answers,
            satisfied_answers=satisfied,
            indicators=tuple(figures),
            formula=formula,
        )

    def _from_parts(self, method: MethodDef, unit: str) -> MethodFigure | None:
        """S-2 / R-03: the unweighted mean of the parts' figures, recursively."""
        if unit in self._visiting:  # a cycle in the tree: stop rather than loop
            return None
        self._visiting.add(unit)
        try:
            with_data: list[MethodFigure] = []
            without: list[str] = []
            for part in self.taking_part.parts(unit):
                figure = self.figure(method, part)
                if figure is None:
                    without.append(part)
                else:
                    with_data.append(figure)
        finally:
            self._visiting.discard(unit)
        if not with_data:
            return None
        score = _mean([f.score for f in with_data])
        rates = [f.satisfaction_rate for f in with_data if f.satisfaction_rate is not None]
        rate = _mean(rates) if rates else None
        ballots = sum(f.ballots or 0 for f in with_data)
        # One person's questionnaire over several of these parts is one questionnaire (S-2).
        rated = set().union(*(_rated_directly(f) for f in with_data))
        shared = sum(max(len(units & rated) - 1, 0) for units in self.sheets.get(method.code, ()))
        n = len(with_data)
        formula = (
            f"下属单位平均 ({' + '.join(f'{f.unit} {fmt(f.score)}' for f in with_data)})"
            f" / {n} = {fmt(score)}"
        )
        if rate is not None:
            formula += f";满意率 ({' + '.join(fmt(r) for r in rates)}) / {len(rates)} = {fmt(rate)}"
        formula += f";答卷 {' + '.join(str(f.ballots or 0) for f in with_data)} = {ballots} 份"
        if shared:
            ballots -= shared
            formula += f",一人一份问卷评了其中多个单位,按人计 {ballots} 份"
        if without:
            formula += f";无数据未计入:{'、'.join(without)}"
        return MethodFigure(
            unit=unit,
            unit_name=self._name(unit),
            method=method.code,
            source="parts",
            score=score,
            satisfaction_rate=rate,
            ballots=ballots,
            answers=sum(f.answers for f in with_data),
            satisfied_answers=sum(f.satisfied_answers for f in with_data),
            parts=tuple(with_data),
            parts_without_data=tuple(without),
            formula=formula,
        )


def _rated_directly(figure: MethodFigure) -> set[str]:
    """The units whose own ballots make up ``figure``."""
    if figure.source != "parts":
        return {figure.unit}
    return set().union(*(_rated_directly(f) for f in figure.parts))


def own_figures(
    campaign: CampaignDefinition, method: str, tallies: Tallies
) -> dict[str, MethodFigure]:
    """S-1 for every unit with answers of its own on the ballot method ``method``, by unit code.

    No parts and no ranking: what the ranking after each survey round (R-10) shows,
    worked out as ``compute`` works out a unit's own ballots. Ranks come from
    ``round2`` and ``competition_ranks`` (S-5).
    """
    found = next(m for m in campaign.methods if m.code == method)
    figures = _Figures(campaign, tallies, Participation(tallies.units, (), ()))
    units = sorted({a.unit for a in tallies.answers if a.method == method})
    return {unit: figure for unit in units if (figure := figures._own(found, unit)) is not None}


# --- S-4: deductions ------------------------------------------------------------


def _window_text(campaign: CampaignDefinition) -> str:
    start = campaign.deductions_from.isoformat() if campaign.deductions_from else "不限"
    end = campaign.deductions_to.isoformat() if campaign.deductions_to else "不限"
    return f"{start} 至 {end}"


def deduction_line(campaign: CampaignDefinition, d: DeductionInput) -> DeductionLine:
    """Whether one deduction counts: signed off (R-21) and dated inside [from, to] (S-4)."""
    rule = next((r for r in campaign.rules if r.code == d.rule), None)
    reasons = []
    if rule is None:
        reasons.append(f"减分规则 {d.rule} 不在本次活动中")
    if not d.signed_off:
        reasons.append(d.pending or "未签字")
    outside = (campaign.deductions_from is not None and d.date < campaign.deductions_from) or (
        campaign.deductions_to is not None and d.date > campaign.deductions_to
    )
    if outside:
        reasons.append(f"不在减分期间 {_window_text(campaign)}")
    points = rule.points if rule else Decimal(0)
    if rule is not None and rule.max_points is not None:
        # Points set case by case (version 2): the figure proposed and signed off, within the max.
        points = d.points if d.points is not None else Decimal(0)
        if d.points is None:
            reasons.append("未确定分值")
        elif d.points > rule.max_points:
            reasons.append(f"分值 {fmt_plain(d.points)} 超过上限 {fmt_plain(rule.max_points)}")
    source = rule.source if rule else ""
    if rule is not None and rule.sources:
        # One rule, several proposing bodies: the deduction counts for the one that proposed it.
        source = d.source if d.source in rule.sources else ""
        if not source:
            reasons.append(f"未注明提出单位(应为 {'、'.join(rule.sources)} 之一)")
    return DeductionLine(
        id=d.id,
        rule=d.rule,
        rule_title=rule.title if rule else d.rule,
        source=source,
        date=d.date,
        count=d.count,
        points=points,
        amount=Fraction(points) * d.count,
        counted=not reasons,
        reason=";".join(reasons),
        evidence=d.evidence,
    )


def source_totals(
    campaign: CampaignDefinition, lines: Iterable[DeductionLine]
) -> list[SourceTotal]:
    """Every source of the campaign: Σ of its counted amounts, then its cap (S-4)."""
    out = []
    lines = list(lines)
    for source in campaign.sources:
        counted = [ln for ln in lines if ln.counted and ln.source == source.code]
        raw = sum((ln.amount for ln in counted), Fraction(0))
        total = raw
        terms = " + ".join(f"{fmt_plain(ln.points)}×{ln.count}" for ln in counted) or "0"
        formula = f"{terms} = {fmt(raw)}"
        if source.cap is not None and raw > source.cap:
            total = Fraction(source.cap)
            formula += (
                f",超过上限 {fmt_plain(source.cap)} 分,按 {fmt(total)} 计"
                f"(超出上限部分 {fmt(raw - total)} 分不计)"
            )
        out.append(
            SourceTotal(source.code, source.title, raw, source.cap, total, formula, source.floor)
        )
    return out


def apply_floors(score: Fraction, totals: Iterable[SourceTotal]) -> list[SourceTotal]:
    """Deduct ``totals`` from ``score`` in the order of the sources; a source with a floor
    (version 2) takes no more than brings the score down to it, nothing when it is already
    below. Without floors the totals come back unchanged (S-4: no floor)."""
    out = []
    running = score
    for t in totals:
        if t.floor is not None and running - t.total < t.floor:
            allowed = max(running - Fraction(t.floor), Fraction(0))
            formula = (
                f"{t.formula};得分不因此低于 {fmt_plain(t.floor)} 分,"
                f"按 {fmt(allowed)} 计(少减 {fmt(t.total - allowed)} 分)"
            )
            t = replace(t, total=allowed, formula=formula)
        running -= t.total
        out.append(t)
    return out


# --- the whole campaign ---------------------------------------------------------


def _missing_message(unit: UnitDef, method: MethodDef) -> tuple[str, str]:
    if method.input == SCORES:
        return "no_score", f"{unit.name}缺少“{method.title}”的录入得分"
    if method.input == CASES:
        return (
            "no_case_rates",
            f"{unit.name}的问题线索还没有“{method.title}”计分公式所用的比率(如尚无答复或回访)",
        )
    return (
        "no_ballots",
        f"{unit.name}及其下属窗口/站所均无“{method.title}”的答卷",
    )


@dataclass(frozen=True)
class _Scored:
    """A ranked unit's figures before it is ranked within its group."""

    unit: UnitDef
    methods: Mapping[str, MethodFigure | None]
    weighted: Fraction | None
    weighted_formula: str
    lines: tuple[DeductionLine, ...]
    totals: tuple[SourceTotal, ...]
    composite: Fraction | None
    composite_formula: str
    vetoes: tuple[VetoLine, ...]


def _score_unit(
    campaign: CampaignDefinition,
    unit: UnitDef,
    methods: Mapping[str, MethodFigure | None],
    lines: tuple[DeductionLine, ...],
    vetoes: tuple[VetoLine, ...],
    rated: frozenset[str] | None = None,
) -> _Scored:
    """S-3 and S-4: weighted from the exact method scores, then the capped deductions.

    Deductions a version-2 file attaches to a method come off that method's score
    first, so that its rank and the watch list see them; the rest off the composite.
    ``rated``: the methods that rate the unit (version 2, ``covers``); None: all. The
    weights of those that do are rescaled to 100.
    """
    totals = source_totals(campaign, lines)
    targets = campaign.source_methods
    own = campaign.methods_for(unit.group)  # version 2 may limit methods to some groups
    methods, on_methods = _deduct_from_methods(own, methods, totals, targets)
    if not campaign.composite:
        return _without_composite(campaign, unit, methods, lines, on_methods, vetoes)
    applies = [m for m in own if rated is None or m.code in rated]
    outside = [m for m in own if m not in applies and m.scored and m.weight != 0]
    # A method with weight 0 is only ranked on its own; missing it blocks nothing.
    blocked = any(methods[m.code] is None and m.weight != 0 for m in applies)
    weighted: Fraction | None = None
    weighted_formula = "缺少方法得分,不计算加权得分"
    # A method with ``scored = false`` (version 2) is recorded, never weighted.
    terms = [(f, m) for m in applies if (f := methods[m.code]) is not None and m.scored]
    share = sum((m.weight for _, m in terms), Decimal(0))
    if not blocked and outside and share == 0:
        weighted_formula = "没有评议该单位的计分方法,不计算加权得分"
    elif not blocked and outside:
        weighted = sum((f.score * Fraction(m.weight) for f, m in terms), Fraction(0)) / Fraction(
            share
        )
        shown = " + ".join(f"{fmt(f.score)}×{fmt_plain(m.weight)}" for f, m in terms)
        names = "、".join(m.title for m in outside)
        weighted_formula = (
            f"({shown}) / {fmt_plain(share)} = {fmt(weighted)}"
            f"(“{names}”不评议该单位,其余权重按 100 折算)"
        )
    elif not blocked:
        weighted = sum((f.score * Fraction(m.weight) / 100 for f, m in terms), Fraction(0))
        shown = " + ".join(f"{fmt(f.score)}×{fmt_plain(m.weight)}" for f, m in terms)
        weighted_formula = f"({shown}) / 100 = {fmt(weighted)}"
    on_composite = [t for t in totals if not targets.get(t.source)]
    if weighted is not None:
        on_composite = apply_floors(weighted, on_composite)
    deducted = sum((t.total for t in on_composite), Fraction(0))
    final = {t.source: t for t in [*on_methods, *on_composite]}
    totals = [final.get(t.source, t) for t in totals]
    composite = None if weighted is None else weighted - deducted
    composite_formula = (
        "缺少方法得分,不计算综合得分"
        if weighted is None or composite is None
        else f"{fmt(weighted)} − {fmt(deducted)} = {fmt(composite)}"
    )
    return _Scored(
        unit,
        methods,
        weighted,
        weighted_formula,
        lines,
        tuple(totals),
        composite,
        composite_formula,
        vetoes,
    )


NO_COMPOSITE = "本活动不计算综合得分,各评议方法分别排名"


def no_composite_text(campaign: CampaignDefinition) -> str:
    """What a campaign without a composite ranks by, in words (R-19)."""
    by = next((m for m in campaign.methods if m.code == campaign.grading.by), None)
    return f"{NO_COMPOSITE};按“{by.title}”得分排名" if by else NO_COMPOSITE


def _without_composite(
    campaign: CampaignDefinition,
    unit: UnitDef,
    methods: Mapping[str, MethodFigure | None],
    lines: tuple[DeductionLine, ...],
    totals: list[SourceTotal],
    vetoes: tuple[VetoLine, ...],
) -> _Scored:
    """Version 2, ``composite = false`` (R-19): the method figures after their deductions
    (every rule names a method), and no weighted or composite figure to rank by."""
    said = no_composite_text(campaign)
    return _Scored(unit, methods, None, said, lines, tuple(totals), None, said, vetoes)


def _deduct_from_methods(
    own: Iterable[MethodDef],
    methods: Mapping[str, MethodFigure | None],
    totals: list[SourceTotal],
    targets: Mapping[str, str],
) -> tuple[dict[str, MethodFigure | None], list[SourceTotal]]:
    """The method figures after the deductions attached to them (version 2), and the
    totals of those sources (their floors applied against the method's score)."""
    out = dict(methods)
    applied: list[SourceTotal] = []
    for m in own:
        mine = [t for t in totals if targets.get(t.source) == m.code]
        figure = methods[m.code]
        if not mine or figure is None:
            applied += mine
            continue
        mine = apply_floors(figure.score, mine)
        applied += mine
        taken = sum((t.total for t in mine), Fraction(0))
        score = figure.score - taken
        names = "、".join(f"{t.title} {fmt(t.total)}" for t in mine)
        out[m.code] = replace(
            figure,
            score=score,
            deducted=taken,
            formula=f"{figure.formula};减分 {fmt(taken)}({names}),"
            f"减分后 {fmt(figure.score)} − {fmt(taken)} = {fmt(score)}",
        )
    return out, applied


def _focus(
    grading: GradingDef, members: list[_Scored], baseline: Baseline | None
) -> dict[str, tuple[str, ...]]:
    """Version 2 (seed 003): last year's bottom N of the group and the units it criticised."""
    if baseline is None or not (grading.baseline_bottom or grading.baseline_criticised):
        return {}
    last = {
        p.unit.code: value
        for p in members
        if (value := baseline.composites.get(p.unit.code)) is not None
    }
    bottom = with_ties(last, grading.baseline_bottom, lowest=True)
    out: dict[str, tuple[str, ...]] = {}
    for p in members:
        why = []
        if p.unit.code in bottom:
            why.append(f"上年综合得分本组后 {grading.baseline_bottom} 名")
        if grading.baseline_criticised and p.unit.code in baseline.criticised:
            why.append("上年受通报批评(减分)")
        if why:
            out[p.unit.code] = tuple(why)
    return out


def _stray_answers(campaign: CampaignDefinition, tallies: Tallies) -> list[str]:
    """Answers naming a method, indicator or level the campaign lacks: left out, and said so."""
    methods = {m.code for m in campaign.methods if m.input == BALLOTS}
    indicators = {i.code for i in campaign.indicators}
    levels = {lv.label for lv in campaign.levels}
    stray = sum(
        a.count
        for a in tallies.answers
        if a.method not in methods or a.indicator not in indicators or a.level not in levels
    )
    notes = _unasked_answers(campaign, tallies, methods, indicators, levels)
    if not stray:
        return notes
    return [
        f"{stray} 条答案的评议方法、指标或等级不属于本次活动(或该方法按录入得分计),未计入",
        *notes,
    ]


def _unasked_answers(
    campaign: CampaignDefinition,
    tallies: Tallies,
    methods: set[str],
    indicators: set[str],
    levels: set[str],
) -> list[str]:
    """Version 2: answers on an indicator of the campaign that their method does not ask
    (``MethodDef.indicators``) are left out, and said so per method."""
    asked = {m: {i.code for i in campaign.indicators_for(m)} for m in methods}
    unasked: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in tallies.answers:
        counted = a.method in methods and a.indicator in indicators and a.level in levels
        if a.count and counted and a.indicator not in asked[a.method]:
            unasked[a.method][a.indicator] += a.count
    titles = {i.code: i.title for i in campaign.indicators}
    order = {i.code: n for n, i in enumerate(campaign.indicators)}
    out = []
    for method in campaign.methods:
        found = unasked.get(method.code)
        if not found:
            continue
        shown = "、".join(titles[c] for c in sorted(found, key=order.__getitem__))
        out.append(
            f"{sum(found.values())} 条答案评的是评议方法“{method.title}”不问的评议内容"
            f"({shown}),未计入"
        )
    return out


def _refused_answers(taking_part: Participation, tallies: Tallies) -> list[str]:
    """Answers about a unit taking part that a version-2 file says the method does not rate
    on its own (a department rated by its parts' mean, a unit outside ``covers``):
    left out, and said so. A version-1 file refuses none of them."""
    if not taking_part.methods:
        return []
    refused: dict[tuple[str, str], int] = defaultdict(int)
    for a in tallies.answers:
        if taking_part.takes_part(a.unit) and taking_part.method_refusal(a.unit, a.method):
            refused[a.method, a.unit] += a.count
    return [
        f"{n} 条答案所评的“{unit}”在评议方法“{method}”中不直接评议"
        f"({taking_part.method_refusal(unit, method)}),未计入"
        for (method, unit), n in sorted(refused.items())
    ]


def compute(
    campaign: CampaignDefinition, tallies: Tallies, baseline: Baseline | None = None
) -> Results:
    """Apply S-1..S-7 to one campaign. Deterministic whatever the order of the input rows."""
    group_codes = [g.code for g in campaign.groups]
    taking_part = for_definition(tallies.units, campaign)
    figures = _Figures(campaign, tallies, taking_part)
    ranked = taking_part.ranked
    ranked_codes = {u.code for u in ranked}

    lines_by_unit: dict[str, list[DeductionLine]] = defaultdict(list)
    notes: list[str] = []
    for d in sorted(tallies.deductions, key=lambda d: (d.date, d.id)):
        if d.unit in ranked_codes:
            lines_by_unit[d.unit].append(deduction_line(campaign, d))
        else:
            notes.append(f"减分 #{d.id}({d.unit},{d.date})所记单位不参加本次排名,未计入")
    veto_titles = {v.code: v.title for v in campaign.vetoes}
    vetoes_by_unit: dict[str, list[VetoLine]] = defaultdict(list)
    for v in sorted(tallies.vetoes, key=lambda v: (v.date, v.id)):
        if v.unit in ranked_codes:
            line = VetoLine(v.id, v.rule, veto_titles.get(v.rule, v.rule), v.date, v.evidence)
            vetoes_by_unit[v.unit].append(line)
        else:
            notes.append(f"一票否决 #{v.id}({v.unit},{v.date})所记单位不参加本次排名,未计入")

    notes += _stray_answers(campaign, tallies)
    notes += _refused_answers(taking_part, tallies)
    notes += figures.refused_notes()
    missing: list[MissingInput] = []
    scored: list[_Scored] = []
    for unit in ranked:
        own = campaign.methods_for(unit.group)
        methods = {m.code: figures.figure(m, unit.code) for m in own}
        # Version 2: a method that does not rate the unit (``covers``, ``parts = "own"``).
        rated = frozenset(m.code for m in own if taking_part.rates(unit.code, m.code))
        for m in own:
            if methods[m.code] is None and m.code in rated:
                reason, message = _missing_message(unit, m)
                missing.append(
                    MissingInput(
                        unit.code,
                        unit.name,
                        unit.group or "",
                        m.code,
                        reason,
                        message,
                        blocks_composite=_blocks(campaign, m),
                    )
                )
        scored.append(
            _score_unit(
                campaign,
                unit,
                methods,
                tuple(lines_by_unit.get(unit.code, [])),
                tuple(vetoes_by_unit.get(unit.code, [])),
                rated,
            )
        )

    results: list[UnitResult] = []
    for group in group_codes:
        members = [p for p in scored if p.unit.group == group]
        results.extend(
            _rank_group(campaign, members, baseline, tallies.ineligible, tallies.ineligible_reasons)
        )

    missing.sort(
        key=lambda m: (
            group_codes.index(m.group),
            m.unit,
            [x.code for x in campaign.methods].index(m.method),
        )
    )
    shortfalls = _shortfalls(campaign, scored, figures)
    notes += [s.message for s in shortfalls]
    return Results(
        campaign=campaign,
        units=tuple(results),
        missing=tuple(missing),
        notes=tuple(notes),
        baseline=baseline,
        unit_names={u.code: u.name for u in tallies.units},
        tallies=tallies,
        shortfalls=tuple(shortfalls),
    )


def _blocks(campaign: CampaignDefinition, method: MethodDef) -> bool:
    """Whether a unit missing ``method`` is left without a rank: a weighted method blocks its
    composite; without a composite (version 2) only the method that ranks, ``grading.by``."""
    if not campaign.composite:
        return method.code == campaign.grading.by
    return method.weight != 0


def _shortfalls(
    campaign: CampaignDefinition, scored: list[_Scored], figures: _Figures
) -> list[Shortfall]:
    """Minimum samples (version 2) checked against the counted questionnaires: the method's
    in the whole campaign, and each ranked unit's (its parts' included, S-2); a ballot
    of a category the method does not count (R-13) is no sample of it."""
    out = []
    for m in campaign.methods:
        if not (m.min_ballots or m.min_unit_ballots):
            continue
        refuse = m.too_few == "refuse"
        then = "结果不完整,不能作为正式结果" if refuse else "请注意样本代表性"
        total = figures.counted_ballots(m.code)
        if total < m.min_ballots:
            message = f"“{m.title}”共 {total} 份答卷,少于规定的 {m.min_ballots} 份:{then}"
            out.append(Shortfall(m.code, "", total, m.min_ballots, refuse, message))
        for p in scored:
            if m.code not in p.methods or not m.min_unit_ballots:
                continue
            figure = p.methods[m.code]
            found = (figure.ballots or 0) if figure is not None else 0
            if found < m.min_unit_ballots:
                message = (
                    f"{p.unit.name}({p.unit.code})的“{m.title}”只有 {found} 份答卷,"
                    f"少于规定的每个单位 {m.min_unit_ballots} 份:{then}"
                )
                out.append(
                    Shortfall(m.code, p.unit.code, found, m.min_unit_ballots, refuse, message)
                )
    return out


def _ordering(campaign: CampaignDefinition, members: list[_Scored]) -> dict[str, Decimal]:
    """The rounded figure each unit is ranked and graded by (S-5): its composite; without
    one (version 2), its score on ``grading.by`` after its deductions, or nothing at all."""
    if campaign.composite:
        return {p.unit.code: round2(p.composite) for p in members if p.composite is not None}
    by = campaign.grading.by
    return {
        p.unit.code: round2(f.score) for p in members if by and (f := p.methods.get(by)) is not None
    }


def _ordered_by(campaign: CampaignDefinition) -> str:
    """The figure ranks and grades go by, as a grade's reason names it."""
    by = next((m for m in campaign.methods if m.code == campaign.grading.by), None)
    return "综合得分" if campaign.composite or by is None else f"“{by.title}”得分"


def _rank_group(
    campaign: CampaignDefinition,
    members: list[_Scored],
    baseline: Baseline | None,
    ineligible: frozenset[str] = frozenset(),
    reasons: Mapping[str, str] | None = None,
) -> list[UnitResult]:
    """S-5 and S-6 within one group: ranks, grades, method ranks and the watchlist.

    A version-2 file may give the group its own numbers and limit methods to some groups.
    """
    group = members[0].unit.group if members else None
    grading = campaign.grading_for(group)
    own = campaign.methods_for(group)
    composites = _ordering(campaign, members)
    ranks = competition_ranks(composites)
    vetoed = {p.unit.code for p in members if p.vetoes}

    # Excellent first: a vetoed unit never is, nor one that lost eligibility;
    # the places go to the next units. A unit is never graded twice.
    excellent = with_ties(
        {c: v for c, v in composites.items() if c not in vetoed and c not in ineligible},
        grading.excellent,
        lowest=False,
    )
    slots = grading.unsatisfactory - len(vetoed)
    lowest = with_ties(
        {c: v for c, v in composites.items() if c not in vetoed and c not in excellent},
        slots,
        lowest=True,
    )

    figure = _ordered_by(campaign)
    focus = _focus(grading, members, baseline)
    method_ranks: dict[str, dict[str, int]] = {}
    watch: dict[str, set[str]] = {}
    for m in own:
        scores = {
            p.unit.code: round2(f.score) for p in members if (f := p.methods[m.code]) is not None
        }
        method_ranks[m.code] = competition_ranks(scores)
        watch[m.code] = with_ties(scores, grading.watchlist, lowest=True)

    out = []
    for p in members:
        unit = p.unit
        code = unit.code
        grade: str | None = None
        reason = ""
        if code in vetoed:
            grade = UNSATISFACTORY
            reason = "一票否决:" + "、".join(v.rule_title for v in p.vetoes)
        elif code in excellent:
            grade = EXCELLENT
            reason = f"本组非否决单位{figure}前 {grading.excellent} 名(含并列)"
        elif code in lowest:
            grade = UNSATISFACTORY
            reason = f"本组{figure}后 {grading.unsatisfactory} 名(含否决单位与并列)"
        if code in ineligible and grade != UNSATISFACTORY:
            why = (reasons or {}).get(code) or "拉票或弄虚作假"
            reason = f"已取消评优资格({why}),不参加优秀评定"
        base: Decimal | None = None
        change: Decimal | None = None
        if baseline is not None and campaign.composite:
            base = baseline.composites.get(code)
            if base is not None and p.composite is not None:
                # Against the published figure, so change = the two printed numbers' difference.
                change = round2(p.composite) - base
        out.append(
            UnitResult(
                unit=code,
                name=unit.name,
                group=unit.group or "",
                methods=p.methods,
                method_ranks={m.code: method_ranks[m.code].get(code) for m in own},
                weighted=p.weighted,
                deductions={t.source: t.total for t in p.totals},
                composite=p.composite,
                rank=ranks.get(code),
                vetoed=code in vetoed,
                grade=grade,
                watchlist=tuple(m.code for m in own if code in watch[m.code]),
                baseline=base,
                change=change,
                weighted_formula=p.weighted_formula,
                deduction_lines=p.lines,
                source_totals=p.totals,
                vetoes=p.vetoes,
                composite_formula=p.composite_formula,
                grade_reason=reason,
                eligible=code not in ineligible,
                ineligible_reason=(reasons or {}).get(code, "") if code in ineligible else "",
                focus=focus.get(code, ()),
            )
        )
    # Ranked units by rank; units without a composite last, by code.
    out.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit))
    return out
