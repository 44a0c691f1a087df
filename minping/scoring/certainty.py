"""How sure a ranking is: 95% intervals of method scores, satisfaction rates and composites.

Pure, like the engine: it reads the engine's ``Results`` (the level counts per
unit, method and indicator that the database counted), never a ballot row, so it
costs next to nothing. Everything is analytic and has no randomness, so the same
counts always give the same intervals, and ``docs/statistics.md`` works one out by
hand. The choices, and why:

- A satisfaction rate gets a **Wilson score interval** with n = the unit's
  questionnaires (not its answers: the answers on one questionnaire come from one
  person, so counting each would make the interval too narrow; counting the
  questionnaire once errs on the wide side).
- A method score gets a **normal interval**, score ± 1.96 × standard error, where
  the standard error is (Σ weight × spread of the indicator's points) / Σ weight
  / √questionnaires. Adding the indicators' spreads (rather than their squares)
  assumes a person answers every indicator alike, the widest case. Each
  indicator's spread is taken after adding one imaginary answer at the scale's top
  and one at its bottom, so that 30 answers all "好" do not claim a width of zero
  (as Wilson does for a rate of 100%). The interval is cut at the scale's ends.
- A figure that is the mean of the unit's windows or stations (S-2) takes the
  standard error of a mean of independent figures: √(Σ se²) / their number.
- The composite's standard error is √(Σ (weight/100)² × se²) over the methods
  (different people answer different methods); imported scores, case rates and
  deductions are taken as exact.
- Two units of a group **cannot be told apart** when their composites differ by no
  more than 1.96 × √(se₁² + se₂²) (a test of the difference, which is fairer than
  asking whether two intervals overlap). A unit's mark names the range of places
  of every unit it cannot be told apart from, its own included.
- A questionnaire method with fewer questionnaires than ``MIN_BALLOTS`` is marked
  as a small sample, however its interval looks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from minping.scoring.engine import BALLOTS, MethodFigure, Results, UnitResult, round2

Z = 1.96  # two-sided 95%
CONFIDENCE = 0.95
# Fewer questionnaires than this on a method, and the unit's figure is marked as
# resting on a small sample (the GP Patient Survey marks practices in the same way).
MIN_BALLOTS = 30


@dataclass(frozen=True)
class Interval:
    """A 95% interval on the 0–100 scale, with the standard error it came from."""

    low: float
    high: float
    se: float

    def rounded(self) -> list[float]:
        return [float(round2(Fraction(self.low))), float(round2(Fraction(self.high)))]


@dataclass(frozen=True)
class FigureCertainty:
    """The intervals of one unit's figure on one questionnaire method."""

    method: str
    score: Interval
    rate: Interval | None
    ballots: int
    small_sample: bool


@dataclass(frozen=True)
class UnitCertainty:
    unit: str
    group: str
    rank: int | None
    methods: Mapping[str, FigureCertainty]
    composite: Interval | None
    # Places (lowest, highest) of the units this one cannot be told apart from,
    # its own included; None when it stands apart from every other.
    alike: tuple[int, int] | None
    alike_with: tuple[str, ...]

    @property
    def small_sample(self) -> tuple[str, ...]:
        return tuple(code for code, f in self.methods.items() if f.small_sample)


@dataclass(frozen=True)
class Certainty:
    units: tuple[UnitCertainty, ...]
    min_ballots: int = MIN_BALLOTS

    def unit(self, code: str) -> UnitCertainty | None:
        return next((u for u in self.units if u.unit == code), None)


# --- the formulas ------------------------------------------------------------------


def wilson(successes: float, n: int) -> Interval:
    """Wilson's score interval for a proportion, in percent; ``successes`` may be fractional."""
    p = successes / n
    z2 = Z * Z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return Interval(max(0.0, centre - half) * 100, min(1.0, centre + half) * 100, half * 100 / Z)


def spread(levels: list[tuple[float, int]], bottom: float, top: float) -> float:
    """Standard deviation of the points of ``levels`` (points, count), with one imaginary
    answer added at the scale's ``top`` and one at its ``bottom``."""
    values = [*levels, (top, 1), (bottom, 1)]
    n = sum(count for _, count in values)
    mean = sum(points * count for points, count in values) / n
    variance = sum(count * (points - mean) ** 2 for points, count in values) / n
    return math.sqrt(variance)


def _normal(centre: float, se: float, bottom: float, top: float) -> Interval:
    return Interval(max(bottom, centre - Z * se), min(top, centre + Z * se), se)


def _own(figure: MethodFigure, bottom: float, top: float) -> tuple[Interval, Interval | None]:
    n = figure.ballots or max((i.answers for i in figure.indicators), default=0)
    weights = sum(float(i.weight) for i in figure.indicators)
    sd = (
        sum(
            float(i.weight) * spread([(float(lc.points), lc.count) for lc in i.levels], bottom, top)
            for i in figure.indicators
        )
        / weights
    )
    score = _normal(float(figure.score), sd / math.sqrt(n), bottom, top)
    rate = None
    if figure.answers:
        rate = wilson(n * figure.satisfied_answers / figure.answers, n)
    return score, rate


def _figure(figure: MethodFigure, bottom: float, top: float) -> tuple[Interval, Interval | None]:
    """The figure's intervals: its own answers (S-1), or the mean of its parts' (S-2)."""
    if figure.source == "ballots":
        return _own(figure, bottom, top)
    parts = [_figure(p, bottom, top) for p in figure.parts]
    k = len(parts)
    score_se = math.sqrt(sum(s.se**2 for s, _ in parts)) / k
    score = _normal(float(figure.score), score_se, bottom, top)
    rates = [r for _, r in parts if r is not None]
    rate = None
    if figure.satisfaction_rate is not None and rates:
        rate_se = math.sqrt(sum(r.se**2 for r in rates)) / len(rates)
        rate = _normal(float(figure.satisfaction_rate), rate_se, 0.0, 100.0)
    return score, rate


def assess(results: Results, min_ballots: int = MIN_BALLOTS) -> Certainty:
    """The intervals and marks of every ranked unit of ``results``."""
    campaign = results.campaign
    points = [float(level.points) for level in campaign.levels] or [0.0, 100.0]
    bottom, top = min(points), max(points)
    ballot_methods = [m for m in campaign.methods if m.input == BALLOTS]
    composite_se: dict[str, float] = {}
    figures: dict[str, dict[str, FigureCertainty]] = {}
    for unit in results.units:
        figures[unit.unit] = {}
        for method in ballot_methods:
            figure = unit.methods.get(method.code)
            if figure is None or figure.source not in ("ballots", "parts"):
                continue
            score, rate = _figure(figure, bottom, top)
            ballots = figure.ballots or 0
            figures[unit.unit][method.code] = FigureCertainty(
                method.code, score, rate, ballots, ballots < min_ballots
            )
        if unit.composite is not None:
            composite_se[unit.unit] = math.sqrt(
                sum(
                    (float(m.weight) / 100 * f.score.se) ** 2
                    for m in ballot_methods
                    if (f := figures[unit.unit].get(m.code)) is not None
                )
            )
    out = []
    for unit in results.units:
        se = composite_se.get(unit.unit)
        composite = None
        if se is not None and unit.composite is not None:
            value = float(unit.composite)
            # The weighted score lies on the scale, so the composite (weighted − deductions)
            # lies within the scale shifted down by the unit's deductions.
            weighted = float(unit.weighted) if unit.weighted is not None else value
            low, high = value - (weighted - bottom), value + (top - weighted)
            composite = Interval(max(low, value - Z * se), min(high, value + Z * se), se)
        alike, alike_with = _alike(unit, results.units, composite_se)
        out.append(
            UnitCertainty(
                unit.unit,
                unit.group,
                unit.rank,
                figures[unit.unit],
                composite,
                alike,
                alike_with,
            )
        )
    return Certainty(tuple(out), min_ballots)


def told_apart(a: Fraction, se_a: float, b: Fraction, se_b: float) -> bool:
    """Whether two composites differ by more than chance could make them (95%)."""
    return abs(float(a - b)) > Z * math.sqrt(se_a**2 + se_b**2)


def _alike(
    unit: UnitResult, units: tuple[UnitResult, ...], se: Mapping[str, float]
) -> tuple[tuple[int, int] | None, tuple[str, ...]]:
    if unit.rank is None or unit.composite is None or unit.unit not in se:
        return None, ()
    others = [
        u
        for u in units
        if u.group == unit.group
        and u.unit != unit.unit
        and u.rank is not None
        and u.composite is not None
        and u.unit in se
        and not told_apart(unit.composite, se[unit.unit], u.composite, se[u.unit])
    ]
    ranks = [unit.rank, *(u.rank for u in others if u.rank is not None)]
    if min(ranks) == max(ranks):
        return None, ()
    return (min(ranks), max(ranks)), tuple(u.unit for u in others)


# --- output ----------------------------------------------------------------------


def alike_text(alike: tuple[int, int] | None) -> str:
    """The mark a reader sees, e.g. "与第 3–7 名差异不显著"; empty when the place stands."""
    if alike is None:
        return ""
    low, high = alike
    return f"与第 {low}–{high} 名差异不显著"


def interval_text(interval: Interval | None, suffix: str = "") -> str:
    """E.g. "77.43–91.57" (``suffix`` "%" for a rate); empty without an interval."""
    if interval is None:
        return ""
    low, high = interval.rounded()
    return f"{low:.2f}{suffix}–{high:.2f}{suffix}"


def place_note(unit: UnitCertainty | None, titles: Mapping[str, str], min_ballots: int) -> str:
    """What a reader should know about a unit's place, in one line; empty if nothing."""
    if unit is None:
        return ""
    notes = [alike_text(unit.alike)] if unit.alike else []
    notes += [f"{titles.get(code, code)}答卷不足 {min_ballots} 份" for code in unit.small_sample]
    return ";".join(notes)


def certainty_json(certainty: Certainty) -> dict[str, Any]:
    """The intervals as stored in a snapshot and printed by ``results --intervals``."""
    return {
        "confidence": CONFIDENCE,
        "method": "wilson-rate+normal-score",
        "min_ballots": certainty.min_ballots,
        "units": {
            u.unit: {
                "methods": {
                    code: {
                        "score": f.score.rounded(),
                        "satisfaction_rate": f.rate.rounded() if f.rate else None,
                        "ballots": f.ballots,
                        "small_sample": f.small_sample,
                    }
                    for code, f in u.methods.items()
                },
                "composite": u.composite.rounded() if u.composite else None,
                "alike": list(u.alike) if u.alike else None,
                "alike_with": list(u.alike_with),
                "small_sample": list(u.small_sample),
            }
            for u in certainty.units
        },
    }
