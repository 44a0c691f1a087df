"""A small campaign worked out by hand, for the report and report-card tests.

Units (BaseTestCase's gaj and water, plus three more):

    agencies:   gaj 公安局, jtj 交通局, mzj 民政局     industries: water 水务集团, gas 燃气公司

Method survey (ballots, 40 %), indicators a and b, scale 好 100 / 较好 80 / 一般 60 / 较差 30;
method online (imported scores, 60 %):

    unit   ballots  a        b        survey              online  weighted = 0.4 s + 0.6 o
    gaj    5        好 100   好 100   (100 + 100)/2 = 100  80      40 + 48 = 88.00
    jtj    5        较好 80  一般 60  (80 + 60)/2 = 70     90      28 + 54 = 82.00
    mzj    3        一般 60  一般 60  60                   85      24 + 51 = 75.00
    water  5        好 100   较好 80  90                   70      36 + 42 = 78.00
    gas    5        较差 30  一般 60  45                   95      18 + 57 = 75.00

Deductions: jtj, no_interview 0.1 × 3 = 0.30, accepted → composite 82.00 − 0.30 = 81.70.
Veto: water (case_filed), accepted. Ineligible: gas (拉票).

    composites: gaj 88.00, jtj 81.70, mzj 75.00 | water 78.00, gas 75.00
    ranks:      gaj 1, jtj 2, mzj 3             | water 1, gas 2

Grading, excellent 1 and unsatisfactory 1 per group (S-6): agencies: gaj excellent, mzj
unsatisfactory (lowest); industries: water vetoed → unsatisfactory (the one place taken);
gas is not excellent (lost eligibility). So 优秀 1, 不满意 2, 其余 2.

Mean composite = (88.00 + 81.70 + 75.00 + 78.00 + 75.00) / 5 = 397.70 / 5 = 79.54;
agencies (88.00 + 81.70 + 75.00) / 3 = 81.5666… → 81.57; industries (78 + 75) / 2 = 76.50.

Baseline t-2017 (published): gaj 85.00, jtj 84.00 → change gaj +3.00, jtj −2.30.

Comments: one on a gaj ballot (5 ballots ≥ threshold 5: printed) and one on a mzj ballot
(3 ballots: withheld). Cases of gaj: 3, all transferred; 2 answered (one late), 1 closed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.cases.models import Case, State
from minping.orgs.models import Group, Unit
from minping.oversight.models import Deduction, Ineligibility, Review, Veto
from minping.scoring.actions import do_compute_results, do_publish_results
from minping.scoring.models import ResultSnapshot
from minping.scoring.tests.db import cast, make_campaign, score
from minping.surveys.models import Ballot, Comment

DAY = datetime.date(2018, 9, 1)
GAJ_COMMENT = "户政窗口办事快,态度好"
MZJ_COMMENT = "低保审核要跑三趟"


@dataclass
class Built:
    campaign: Campaign
    snapshot: ResultSnapshot
    units: dict[str, Unit]


def ballots(n: int, a: str, b: str) -> list[dict[str, str]]:
    return [{"a": a, "b": b} for _ in range(n)]


def comment_on(campaign: Campaign, unit: Unit, text: str) -> None:
    ballot = Ballot.objects.filter(campaign=campaign, unit=unit).first()
    Comment.objects.create(ballot=ballot, campaign=campaign, unit=unit, date=DAY, text=text)


def build_small_campaign(*, publish: bool = True) -> Built:
    agencies = Group.objects.get(code="agencies")
    industries = Group.objects.get(code="industries")
    units = {u.code: u for u in Unit.objects.filter(code__in=["gaj", "water"])}
    for code, name, group in [
        ("jtj", "交通局", agencies),
        ("mzj", "民政局", agencies),
        ("gas", "燃气公司", industries),
    ]:
        units[code] = Unit.objects.create(code=code, name=name, group=group)

    base = make_campaign("t-2017", year=2017)
    ResultSnapshot.objects.create(
        campaign=base,
        published=True,
        results={
            "campaign": "t-2017",
            "complete": True,
            "units": [
                {"unit": "gaj", "composite": 85.0},
                {"unit": "jtj", "composite": 84.0},
            ],
        },
    )
    campaign = make_campaign(
        "t-2018", excellent=1, unsatisfactory=1, watchlist=1, baseline_code="t-2017"
    )
    for code, n, a, b in [
        ("gaj", 5, "好", "好"),
        ("jtj", 5, "较好", "一般"),
        ("mzj", 3, "一般", "一般"),
        ("water", 5, "好", "较好"),
        ("gas", 5, "较差", "一般"),
    ]:
        cast(campaign, units[code], "survey", *ballots(n, a, b))
    for code, value in [
        ("gaj", "80"),
        ("jtj", "90"),
        ("mzj", "85"),
        ("water", "70"),
        ("gas", "95"),
    ]:
        score(campaign, units[code], value)
    Deduction.objects.create(
        campaign=campaign,
        unit=units["jtj"],
        rule=DeductionRule.objects.get(campaign=campaign, code="no_interview"),
        date=DAY,
        count=3,
        status=Review.ACCEPTED,
        evidence="银川日报 2018-09-01",
    )
    rule = VetoRule.objects.create(
        campaign=campaign, order=0, code="case_filed", title="工作人员年内被纪检监察机关立案"
    )
    Veto.objects.create(
        campaign=campaign,
        unit=units["water"],
        rule=rule,
        date=DAY,
        status=Review.ACCEPTED,
        evidence="立案决定书",
    )
    Ineligibility.objects.create(campaign=campaign, unit=units["gas"], reason="组织拉票")
    comment_on(campaign, units["gaj"], GAJ_COMMENT)
    comment_on(campaign, units["mzj"], MZJ_COMMENT)
    for number, state, late, closed in [
        ("C-1", State.CLOSED, False, True),
        ("C-2", State.REPLIED, True, False),
        ("C-3", State.TRANSFERRED, False, False),
    ]:
        Case.objects.create(
            number=number,
            source="hotline",
            summary="办事难",
            unit=units["gaj"],
            campaign=campaign,
            state=state,
            pseudonym="群众甲",
            registered_on=DAY,
            transferred_on=DAY,
            replied_late=late,
            closed_on=DAY if closed else None,
        )
    snapshot = do_compute_results(campaign)
    assert snapshot.results["complete"], snapshot.results["missing"]
    if publish:
        do_publish_results(snapshot)
        snapshot.refresh_from_db()
    return Built(campaign, snapshot, units)


def expected_composites() -> dict[str, Decimal]:
    return {
        "gaj": Decimal("88.00"),
        "jtj": Decimal("81.70"),
        "mzj": Decimal("75.00"),
        "water": Decimal("78.00"),
        "gas": Decimal("75.00"),
    }
