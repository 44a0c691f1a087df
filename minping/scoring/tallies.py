"""Reading a campaign from the database into the engine's input.

The database does the counting (DESIGN principle 1): one ``GROUP BY`` over
answers for (method, unit, indicator, level) and one over ballots for
(method, unit), both filtered by campaign, with no join and no per-unit
query. Python only maps the ids of the few resulting groups to codes.

A version-2 method that says whose ballots count (``respondents``, R-13) is
counted apart, by the ballot's category too: its answers are joined to their
ballots. The other methods keep the join-free count from the index alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from minping.campaigns.models import Campaign, Method, MethodScore, stored_tree
from minping.cases.stats import campaign_counts
from minping.oversight.models import Deduction, Ineligibility, Review, Veto
from minping.scoring import engine
from minping.scoring.models import ResultSnapshot
from minping.surveys.models import Answer, Ballot

# The grouped rows are few (units × methods × indicators × levels), so they are
# fetched whole: .iterator() would open a server-side cursor on PostgreSQL, whose
# planner then optimises for the first rows and gives up the parallel hash
# aggregate (measured 13× slower than the bare count on 1.5 million answers).


# Why a deduction not yet accepted does not count, as the breakdown says it.
PENDING: dict[str, str] = {
    Review.PROPOSED: "未签字",
    Review.SIGNED_OFF: "已签字,待组织单位审核",
    Review.REJECTED: "组织单位未采纳",
}


def read_tallies(campaign: Campaign) -> engine.Tallies:
    """The unit tree and everything counted or recorded for ``campaign``."""
    tree = stored_tree()
    unit_codes = {pk: code for code, pk in tree.ids.items()}
    units = tuple(tree.units.values())
    method_rows = list(
        Method.objects.filter(campaign=campaign).values_list(
            "pk", "code", "input", "respondents", "exclude_respondents"
        )
    )
    methods = {pk: code for pk, code, *_ in method_rows}
    # Methods whose ballots count by the respondent's category (version 2, R-13).
    ruled = [pk for pk, _, _, only, never in method_rows if only or never]
    indicators = dict(campaign.indicators.values_list("pk", "code"))
    levels = dict(campaign.levels.values_list("pk", "label"))

    answers = tuple(
        # An id outside this campaign (bad data) keeps a visible code; the engine reports it.
        engine.AnswerCount(
            methods.get(m, f"#{m}"),
            unit_codes[u],
            indicators.get(i, f"#{i}"),
            levels.get(lv, f"#{lv}"),
            n,
            category,
        )
        for m, u, i, lv, category, n in _counted(
            Answer.objects.filter(campaign=campaign),
            ruled,
            ("method_id", "unit_id", "indicator_id", "level_id"),
            "ballot__category",
        )
    )
    ballots = tuple(
        engine.BallotCount(methods.get(m, f"#{m}"), unit_codes[u], n, category)
        for m, u, category, n in _counted(
            Ballot.objects.filter(campaign=campaign, status=Ballot.Status.ACCEPTED),
            ruled,
            ("method_id", "unit_id"),
            "category",
        )
    )
    scores = tuple(
        engine.ScoreInput(methods[m], unit_codes[u], score)
        for m, u, score in MethodScore.objects.filter(campaign=campaign).values_list(
            "method_id", "unit_id", "score"
        )
    )
    # Only an accepted deduction counts; the others are listed with where they stand.
    deductions = tuple(
        engine.DeductionInput(
            pk,
            unit_codes[u],
            rule,
            day,
            count,
            status == Review.ACCEPTED,
            evidence,
            PENDING.get(status, ""),
            source or "",
            points,
        )
        for pk, u, rule, day, count, status, evidence, source, points in Deduction.objects.filter(
            campaign=campaign
        ).values_list(
            "pk",
            "unit_id",
            "rule__code",
            "date",
            "count",
            "status",
            "evidence",
            "source__code",
            "points",
        )
    )
    vetoes = tuple(
        engine.VetoInput(pk, unit_codes[u], rule, day, evidence)
        for pk, u, rule, day, evidence in Veto.objects.filter(
            campaign=campaign, status=Review.ACCEPTED
        ).values_list("pk", "unit_id", "rule__code", "date", "evidence")
    )
    withdrawn = Ineligibility.objects.filter(campaign=campaign).select_related("rule")
    reasons = {unit_codes[item.unit_id]: item.shown_reason for item in withdrawn}
    ineligible = frozenset(reasons)
    cases: tuple[engine.CaseCount, ...] = ()
    # Cases are counted only for a campaign with a method scored from them.
    if any(kind == Method.CASES for _, _, kind, *_ in method_rows):
        cases = tuple(
            engine.CaseCount(
                unit_codes[u],
                c["total"],
                c["answered"],
                c["on_time"],
                c["closed"],
                c["followed_up"],
                c["satisfied"],
                c["promised"],
                c["kept"],
            )
            for u, c in campaign_counts(campaign).items()
        )
    return engine.Tallies(
        units,
        answers,
        ballots,
        scores,
        deductions,
        vetoes,
        ineligible,
        cases=cases,
        ineligible_reasons=reasons,
        sheets=_sheets(campaign, methods, unit_codes),
    )


def _counted(
    rows: QuerySet[Any], ruled: list[int], fields: tuple[str, ...], category: str
) -> Iterator[tuple[Any, ...]]:
    """``rows`` counted by ``fields``, then the respondent's category ("" unless the method
    is ``ruled``: counted by category), then the count. Without a ruled method this is one
    GROUP BY over the index alone; with some, their rows are counted apart, with a join."""
    plain = rows.exclude(method_id__in=ruled) if ruled else rows
    for *key, n in plain.values_list(*fields).annotate(n=Count("*")).order_by():
        yield (*key, "", n)
    if ruled:
        yield from (
            rows.filter(method_id__in=ruled)
            .values_list(*fields, category)
            .annotate(n=Count("*"))
            .order_by()
        )


def _sheets(
    campaign: Campaign, methods: dict[int, str], unit_codes: dict[int, str]
) -> tuple[engine.SheetUnits, ...]:
    """Questionnaires that rated several units (version 2), with the units each rated.
    A version-1 campaign stores none, and is not asked."""
    if campaign.format < 2:
        return ()
    accepted = Ballot.objects.filter(
        campaign=campaign, status=Ballot.Status.ACCEPTED, sheet__isnull=False
    )
    # The database picks the few questionnaires over several units; only their rows come back.
    shared = (
        accepted.values("sheet").annotate(n=Count("*")).filter(n__gt=1).values("sheet").order_by()
    )
    units: dict[tuple[int, object], set[str]] = {}
    rows = accepted.filter(sheet__in=shared).values_list("method_id", "sheet", "unit_id").order_by()
    for method, sheet, unit in rows:
        units.setdefault((method, sheet), set()).add(unit_codes[unit])
    return tuple(
        engine.SheetUnits(methods.get(m, f"#{m}"), frozenset(codes))
        for (m, _), codes in sorted(units.items(), key=lambda item: (item[0][0], str(item[0][1])))
        if len(codes) > 1
    )


def read_baseline(campaign: Campaign) -> engine.Baseline | None:
    """Last year's composites (S-7, R-25), or ``None`` when the campaign names no baseline.

    The latest *published* snapshot of the baseline campaign is used when there
    is one: the comparison is with the figures that were announced, and they must
    not move if last year's data are touched later. Without one, the baseline is
    computed now with the same engine, and the source says so.
    """
    code = campaign.baseline_code
    if not code:
        return None
    base = Campaign.objects.filter(code=code).first()
    if base is None:
        return engine.Baseline(code, {}, source=f"上年度活动 {code} 不存在,无法比较")
    snapshot = (
        ResultSnapshot.objects.filter(campaign=base, published=True)
        .order_by("-computed_at", "-pk")
        .first()
    )
    if snapshot is not None:
        units = snapshot.results.get("units", [])
        composites = {
            u["unit"]: None if u.get("composite") is None else Decimal(str(u["composite"]))
            for u in units
        }
        return engine.Baseline(
            code,
            composites,
            source=f"{code} 已发布结果(快照 #{snapshot.pk},{snapshot.computed_at:%Y-%m-%d})",
            criticised=frozenset(
                u["unit"] for u in units if any(v for v in (u.get("deductions") or {}).values())
            ),
        )
    results = engine.compute(base.as_definition(), read_tallies(base))
    composites = {
        u.unit: None if u.composite is None else engine.round2(u.composite) for u in results.units
    }
    criticised = frozenset(u.unit for u in results.units if any(u.deductions.values()))
    return engine.Baseline(
        code,
        composites,
        source=f"{code} 尚无已发布结果,按现有数据计算",
        criticised=criticised,
    )


def load_results(campaign: Campaign) -> engine.Results:
    """Compute the campaign's results from the database, without storing anything."""
    return engine.compute(campaign.as_definition(), read_tallies(campaign), read_baseline(campaign))
