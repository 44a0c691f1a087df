"""A method scored from the units' case handling (R-33, seed 004: 主要考核各参评部门和行业解决群众
反映问题的数量和质量,尤其是承诺解决的突出问题): the engine's formula, worked by hand, and the
counts made by the database."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from minping.campaigns.definition import CaseFormulaDef, MethodDef
from minping.campaigns.models import Method, formula_to_json
from minping.campaigns.participation import UnitDef
from minping.cases.models import Case, LedgerItem, Satisfaction, State
from minping.cases.stats import campaign_counts
from minping.orgs.models import Unit
from minping.scoring.engine import CaseCount, Tallies, compute, round2
from minping.scoring.export import results_json
from minping.scoring.tallies import load_results, read_tallies
from minping.scoring.tests.builders import SURVEY, campaign, tallies, votes
from minping.scoring.tests.db import make_campaign
from minping.test import BaseTestCase

D = Decimal
# Seed 004 weighs nothing; this formula is the example's: on time 30, closed 30, satisfied 20,
# promised and solved 20; a unit nobody complained about takes 90.
FORMULA = CaseFormulaDef(D(30), D(30), D(20), D(20), no_cases=D(90))
HANDLING = MethodDef("handling", "年终考核(问题办理)", D(40), "cases", cases=FORMULA)
UNITS = (
    UnitDef("gaj", "公安局", None, "agencies"),
    UnitDef("gaj-w1", "户政窗口", "gaj", None),
    UnitDef("water", "水务局", None, "agencies"),
    UnitDef("tax", "税务局", None, "agencies"),
)


def two_methods(formula: CaseFormulaDef = FORMULA) -> object:
    return campaign(
        methods=(replace(SURVEY, weight=D(60)), replace(HANDLING, cases=formula)), excellent=1
    )


def case_counts(*rows: CaseCount) -> Tallies:
    survey = [
        votes("survey", "gaj", "a", {"好": 1}),
        votes("survey", "water", "a", {"较好": 1}),
        votes("survey", "tax", "a", {"一般": 1}),
    ]
    return replace(tallies(UNITS, *survey), cases=rows)


GAJ = CaseCount(
    "gaj", 6, answered=5, on_time=4, closed=3, followed_up=4, satisfied=3, promised=2, kept=1
)
GAJ_W1 = CaseCount(
    "gaj-w1", 4, answered=3, on_time=3, closed=3, followed_up=0, satisfied=0, promised=2, kept=2
)
WATER = CaseCount("water", 2, answered=2, on_time=1, closed=2, followed_up=0, satisfied=0)


class EngineTests(SimpleTestCase):
    def test_scores_worked_by_hand(self) -> None:
        results = compute(two_methods(), case_counts(GAJ, GAJ_W1, WATER))  # type: ignore[arg-type]
        by_unit = {u.unit: u for u in results.units}
        # 公安局 with its window (their cases counted together, not averaged):
        #   cases 6 + 4 = 10, answered 5 + 3 = 8, on time 4 + 3 = 7, closed 3 + 3 = 6,
        #   followed up 4, satisfied 3, promised 2 + 2 = 4, kept 1 + 2 = 3
        #   on time 7/8 = 87.5, closed 6/10 = 60, satisfied 3/4 = 75, promised 3/4 = 75
        #   (87.5×30 + 60×30 + 75×20 + 75×20) / 100 = (2625 + 1800 + 1500 + 1500) / 100 = 74.25
        gaj = by_unit["gaj"].methods["handling"]
        assert gaj is not None
        self.assertEqual(gaj.score, Fraction(7425, 100))
        self.assertEqual(gaj.cases, 10)
        self.assertEqual(gaj.source, "cases")
        self.assertIn("按时答复率 7/8 = 87.50%×30", gaj.formula)
        self.assertIn("承诺解决率 3/4 = 75.00%×20", gaj.formula)
        # 水务局: no follow-up and no promise yet, so those rates are left out and the
        #   rest rescaled: on time 1/2 = 50, closed 2/2 = 100 → (50×30 + 100×30) / 60 = 75
        water = by_unit["water"].methods["handling"]
        assert water is not None
        self.assertEqual(water.score, 75)
        self.assertIn("回访满意率无可计数据,不计", water.formula)
        # 税务局: no case at all → the formula's no_cases, 90.
        tax = by_unit["tax"].methods["handling"]
        assert tax is not None
        self.assertEqual((tax.score, tax.cases), (90, 0))
        # Composite (S-3): survey 60%, handling 40%.
        #   公安局 100×0.6 + 74.25×0.4 = 60 + 29.7 = 89.7
        #   水务局  80×0.6 + 75×0.4    = 48 + 30   = 78
        #   税务局  60×0.6 + 90×0.4    = 36 + 36   = 72
        self.assertEqual(
            [(u.unit, round2(u.composite or 0), u.rank) for u in results.units],
            [("gaj", D("89.70"), 1), ("water", D("78.00"), 2), ("tax", D("72.00"), 3)],
        )
        # Ranked on the method on its own: 税务局 90, 水务局 75, 公安局 74.25.
        self.assertEqual(
            {u.unit: u.method_ranks["handling"] for u in results.units},
            {"tax": 1, "water": 2, "gaj": 3},
        )
        data = results_json(results)
        self.assertEqual(data["units"][0]["methods"]["handling"], {"score": 74.25, "cases": 10})

    def test_a_unit_with_cases_but_no_rate_the_formula_weighs_is_missing_not_zero(self) -> None:
        only_satisfaction = CaseFormulaDef(D(0), D(0), D(100), D(0))
        results = compute(two_methods(only_satisfaction), case_counts(WATER))  # type: ignore[arg-type]
        missing = [(m.unit, m.method, m.reason) for m in results.missing]
        self.assertEqual(missing, [("water", "handling", "no_case_rates")])
        water = next(u for u in results.units if u.unit == "water")
        self.assertIsNone(water.composite)

    def test_cases_of_a_unit_outside_the_campaign_count_nowhere(self) -> None:
        outside = CaseCount("nobody", 5, 5, 0, 0, 0, 0)
        results = compute(two_methods(), case_counts(outside))  # type: ignore[arg-type]
        self.assertEqual(
            {u.methods["handling"].cases for u in results.units if u.methods["handling"]}, {0}
        )

    @given(
        st.lists(
            st.tuples(*[st.integers(0, 6)] * 6).map(
                # answered ≤ cases, on time ≤ answered, closed ≤ cases, satisfied ≤ followed up,
                # kept ≤ promised
                lambda t: CaseCount(
                    "gaj",
                    t[0] + t[1],
                    t[1],
                    min(t[2], t[1]),
                    min(t[3], t[0] + t[1]),
                    t[4],
                    min(t[5], t[4]),
                    t[5],
                    min(t[2], t[5]),
                )
            ),
            max_size=4,
        )
    )
    def test_a_score_from_rates_stays_within_0_and_100(self, rows: list[CaseCount]) -> None:
        results = compute(two_methods(), case_counts(*rows))  # type: ignore[arg-type]
        gaj = next(u for u in results.units if u.unit == "gaj").methods["handling"]
        if gaj is not None:
            self.assertTrue(0 <= gaj.score <= 100)


class CountedByTheDatabaseTests(BaseTestCase):
    numbers = itertools.count(1)

    def setUp(self) -> None:
        self.campaign = make_campaign("cases-2018")
        Method.objects.filter(campaign=self.campaign, code="online").update(
            code="handling",
            title="年终考核(问题办理)",
            input=Method.CASES,
            case_formula=formula_to_json(FORMULA),
        )
        self.tax = Unit.objects.create(code="tax", name="税务局", group=self.agencies)

    def case(self, unit: Unit, state: str, **fields: object) -> Case:
        values: dict[str, object] = {
            "number": f"T{next(self.numbers):05d}",
            "source": "hotline",
            "summary": "办事推诿",
            "pseudonym": "群众甲",
            "registered_on": datetime.date(2018, 5, 2),
            "unit": unit,
            "campaign": self.campaign,
            "state": state,
        }
        values.update(fields)
        return Case.objects.create(**values)

    def promise(
        self, case: Case, struck_off: datetime.date | None, unit: Unit | None = None
    ) -> None:
        owner = unit or case.unit
        assert owner is not None
        LedgerItem.objects.create(
            unit=owner,
            case=case,
            problem=case.summary,
            measure="一次告知",
            responsible="张科长",
            due_on=datetime.date(2018, 6, 30),
            struck_off_on=struck_off,
        )

    def police_cases(self) -> None:
        """公安局 as in the engine test: 6 of its own and 4 at its window."""
        sat, basic, unsat = (
            Satisfaction.SATISFIED,
            Satisfaction.BASICALLY,
            Satisfaction.NOT_SATISFIED,
        )
        kept = self.case(self.gaj, State.CLOSED, satisfaction=sat)
        self.promise(kept, datetime.date(2018, 6, 30))
        late = self.case(self.gaj, State.CLOSED, satisfaction=basic)
        self.promise(late, datetime.date(2018, 7, 15))  # struck off after its time limit
        self.case(self.gaj, State.CLOSED, satisfaction=unsat, replied_late=True)
        self.case(self.gaj, State.FOLLOWED_UP, satisfaction=sat)
        self.case(self.gaj, State.REPLIED)
        self.case(self.gaj, State.TRANSFERRED)
        for _ in range(3):
            window = self.case(self.gaj_window, State.CLOSED)
        self.promise(window, datetime.date(2018, 6, 1))
        self.promise(window, datetime.date(2018, 6, 2))
        self.case(self.gaj_window, State.ACCEPTED)
        # Not counted: a duplicate merged into another, and a case of no campaign.
        self.case(self.gaj, State.MERGED)
        self.case(self.gaj, State.CLOSED, campaign=None)

    def test_counts_per_unit(self) -> None:
        self.police_cases()
        counts = campaign_counts(self.campaign)
        self.assertEqual(
            counts[self.gaj.pk],
            {
                "total": 6,
                "answered": 5,
                "on_time": 4,
                "closed": 3,
                "followed_up": 4,
                "satisfied": 3,
                "promised": 2,
                "kept": 1,
            },
        )
        self.assertEqual(
            counts[self.gaj_window.pk],
            {
                "total": 4,
                "answered": 3,
                "on_time": 3,
                "closed": 3,
                "followed_up": 0,
                "satisfied": 0,
                "promised": 2,
                "kept": 2,
            },
        )
        self.assertNotIn(self.water.pk, counts)

    def test_the_engine_scores_what_the_database_counted(self) -> None:
        self.police_cases()
        results = load_results(self.campaign)
        gaj = next(u for u in results.units if u.unit == "gaj").methods["handling"]
        assert gaj is not None
        self.assertEqual(gaj.score, Fraction(7425, 100))  # as worked in EngineTests
        tax = next(u for u in results.units if u.unit == "tax").methods["handling"]
        assert tax is not None
        self.assertEqual(tax.score, 90)

    def test_counting_takes_the_same_queries_for_10_cases_or_60(self) -> None:
        self.police_cases()
        with CaptureQueriesContext(connection) as few:
            read_tallies(self.campaign)
        for _ in range(5):
            self.police_cases()
        with CaptureQueriesContext(connection) as many:
            tallied = read_tallies(self.campaign)
        self.assertEqual(len(few), len(many))
        self.assertEqual(next(c.cases for c in tallied.cases if c.unit == "gaj"), 36)

    def test_no_case_query_for_a_campaign_without_a_cases_method(self) -> None:
        Method.objects.filter(campaign=self.campaign, code="handling").update(input=Method.SCORES)
        with CaptureQueriesContext(connection) as queries:
            tallied = read_tallies(self.campaign)
        self.assertEqual(tallied.cases, ())
        self.assertFalse(any("cases_case" in q["sql"] for q in queries.captured_queries))

    def test_the_campaign_page_states_the_formula_and_the_monitor_counts_cases(self) -> None:
        self.police_cases()
        self.client.force_login(self.leader)
        page = self.client.get(f"/console/c/{self.campaign.code}/").content.decode()
        self.assertIn(
            "按问题线索办理情况计分:按时答复率 30%、办结率 30%、回访满意率 20%、承诺解决率 20%;"
            "没有问题线索的单位记 90 分",
            page,
        )
        monitor = self.client.get(f"/console/c/{self.campaign.code}/monitor/").content.decode()
        rows = {
            row.split("</a>")[0].rsplit(">", 1)[-1]: row
            for row in monitor.split("<tr>")[2:]
            if "</a>" in row
        }
        self.assertIn(">6 件<", rows["公安局"])
        self.assertIn(">4 件<", rows["户政窗口"])
