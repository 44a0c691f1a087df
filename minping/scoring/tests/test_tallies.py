"""Reading tallies from the database, computing from them, and the audited actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.test.utils import CaptureQueriesContext

from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.orgs.models import Unit
from minping.oversight.models import Deduction, Review, Veto
from minping.scoring.actions import PublishRefused, do_compute_results, do_publish_results
from minping.scoring.engine import AnswerCount, BallotCount, round2
from minping.scoring.tallies import load_results, read_baseline, read_tallies
from minping.scoring.tests.db import cast, make_campaign, score
from minping.surveys.models import Ballot
from minping.test import BaseTestCase


class TalliesTestCase(BaseTestCase):
    """gaj is surveyed through its window gaj-w1 (R-03); mzj and water directly."""

    campaign: Campaign
    mzj: Unit

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.mzj = Unit.objects.create(code="mzj", name="民政局", group=cls.agencies)
        c = cls.campaign = make_campaign("yc-2018")
        cast(
            c,
            cls.gaj_window,
            "survey",
            {"a": "好", "b": "好"},
            {"a": "好", "b": "较好"},
            {"a": "一般", "b": "较好"},
        )
        cast(c, cls.mzj, "survey", {"a": "较好", "b": "较好"}, {"a": "较差", "b": "一般"})
        cast(c, cls.water, "survey", {"a": "好", "b": "好"})
        score(c, cls.gaj, "90")
        score(c, cls.mzj, "80")
        score(c, cls.water, "70")
        rule = DeductionRule.objects.get(campaign=c, code="no_interview")
        Deduction.objects.create(
            campaign=c,
            unit=cls.gaj,
            rule=rule,
            date=date(2018, 6, 1),
            count=60,
            status=Review.ACCEPTED,
        )
        Deduction.objects.create(
            campaign=c,
            unit=cls.mzj,
            rule=rule,
            date=date(2018, 6, 1),
            count=10,
            status=Review.PROPOSED,
        )
        # A ballot held for review has no answers yet and must not count as a questionnaire.
        Ballot.objects.create(
            campaign=c,
            method=c.methods.get(code="survey"),
            unit=cls.water,
            date=date(2018, 6, 2),
            status=Ballot.Status.QUARANTINED,
            held_answers={"a": "差", "b": "差"},
        )
        # Another campaign's ballots about the same window must not leak in.
        other = make_campaign("other-2018")
        cast(other, cls.gaj_window, "survey", {"a": "差", "b": "差"})

    def test_answers_and_ballots_are_counted_by_the_database(self) -> None:
        t = read_tallies(self.campaign)
        window = sorted((a.indicator, a.level, a.count) for a in t.answers if a.unit == "gaj-w1")
        self.assertEqual(
            window, [("a", "一般", 1), ("a", "好", 2), ("b", "好", 1), ("b", "较好", 2)]
        )
        self.assertIn(AnswerCount("survey", "water", "a", "好", 1), t.answers)
        self.assertEqual(
            sorted(t.ballots, key=lambda b: b.unit),
            [
                BallotCount("survey", "gaj-w1", 3),
                BallotCount("survey", "mzj", 2),
                BallotCount("survey", "water", 1),
            ],
        )
        self.assertNotIn("差", {a.level for a in t.answers})  # the other campaign's ballot
        window_unit = next(u for u in t.units if u.code == "gaj-w1")
        self.assertEqual((window_unit.parent, window_unit.group), ("gaj", None))

    def test_one_group_by_each_and_no_query_per_unit(self) -> None:
        with CaptureQueriesContext(connection) as few:
            read_tallies(self.campaign)
        for n in range(10):
            unit = Unit.objects.create(code=f"extra{n}", name=f"单位{n}", group=self.agencies)
            cast(self.campaign, unit, "survey", {"a": "好"})
            score(self.campaign, unit, "75")
        with CaptureQueriesContext(connection) as many:
            read_tallies(self.campaign)
        self.assertEqual(len(few), len(many))
        answer_sql = [q["sql"] for q in many if 'FROM "surveys_answer"' in q["sql"]]
        self.assertEqual(len(answer_sql), 1)
        self.assertIn("GROUP BY", answer_sql[0])
        self.assertNotIn("JOIN", answer_sql[0])
        ballot_sql = [q["sql"] for q in many if 'FROM "surveys_ballot"' in q["sql"]]
        self.assertEqual(len(ballot_sql), 1)
        self.assertIn("GROUP BY", ballot_sql[0])

    def test_results_from_the_database(self) -> None:
        results = {u.unit: u for u in load_results(self.campaign).units}
        # gaj-w1 a: 好×2 + 一般×1 → (200+60)/3 = 86.67; b: 好×1 + 较好×2 → (100+160)/3 = 86.67
        # gaj (no own ballots) takes its window's figure: 260/3 = 86.67, rate 5/6 = 83.33, 3 ballots
        gaj = results["gaj"]
        survey = gaj.methods["survey"]
        assert survey is not None
        self.assertEqual(survey.source, "parts")
        self.assertEqual(survey.score, Fraction(260, 3))
        self.assertEqual(round2(survey.satisfaction_rate or 0), Decimal("83.33"))
        self.assertEqual(survey.ballots, 3)
        # weighted = 260/3 × 40% + 90 × 60% = 34.666… + 54 = 88.666… → 88.67
        # media: 60 × 0.1 = 6 → capped at 5; composite = 88.666… − 5 = 83.666… → 83.67
        self.assertEqual(round2(gaj.weighted or 0), Decimal("88.67"))
        self.assertEqual(gaj.deductions, {"media": 5})
        self.assertEqual(round2(gaj.composite or 0), Decimal("83.67"))
        # mzj: a (80+30)/2 = 55, b (80+60)/2 = 70 → 62.5; 62.5×0.4 + 80×0.6 = 25 + 48 = 73.00;
        # its unsigned deduction is left out.
        self.assertEqual(results["mzj"].composite, 73)
        self.assertEqual(results["mzj"].deduction_lines[0].reason, "未签字")
        self.assertEqual((gaj.rank, results["mzj"].rank, results["water"].rank), (1, 2, 1))

    def test_vetoes_are_read(self) -> None:
        rule = VetoRule.objects.create(campaign=self.campaign, order=0, code="case", title="立案")
        Veto.objects.create(
            campaign=self.campaign,
            unit=self.gaj,
            rule=rule,
            date=date(2018, 3, 1),
            status=Review.ACCEPTED,
        )
        gaj = next(u for u in load_results(self.campaign).units if u.unit == "gaj")
        self.assertTrue(gaj.vetoed)
        self.assertEqual(gaj.grade, "unsatisfactory")


class BaselineTestCase(BaseTestCase):
    def test_baseline_computed_then_taken_from_the_published_snapshot(self) -> None:
        last = make_campaign("yc-2017", year=2017, groups=["industries"])
        last.methods.filter(code="survey").update(weight=0)
        last.methods.filter(code="online").update(weight=100)
        score(last, self.water, "80")
        this = make_campaign("yc-2018", groups=["industries"], baseline_code="yc-2017")
        this.methods.filter(code="survey").update(weight=0)
        this.methods.filter(code="online").update(weight=100)
        score(this, self.water, "82.5")

        # No published results for 2017 yet: computed now with the same engine.
        baseline = read_baseline(this)
        assert baseline is not None
        self.assertIn("按现有数据计算", baseline.source)
        water = load_results(this).units[0]
        self.assertEqual((water.baseline, water.change), (Decimal("80.00"), Decimal("2.50")))

        # Once 2017 is published, its announced figure is the baseline even if data change.
        do_publish_results(do_compute_results(last))
        last.method_scores.update(score=Decimal("60"))
        water = load_results(this).units[0]
        # 82.50 − 80.00 = 2.50 (not 82.50 − 60.00)
        self.assertEqual((water.baseline, water.change), (Decimal("80.00"), Decimal("2.50")))
        self.assertIn("已发布结果", load_results(this).baseline.source)  # type: ignore[union-attr]

    def test_unknown_baseline_campaign(self) -> None:
        this = make_campaign("yc-2018", groups=["industries"], baseline_code="yc-2016")
        score(this, self.water, "82.5")
        results = load_results(this)
        self.assertIsNone(results.units[0].change)
        self.assertIn("不存在", results.baseline.source)  # type: ignore[union-attr]


class ActionsTestCase(BaseTestCase):
    def test_compute_stores_a_snapshot_and_writes_one_audit_entry(self) -> None:
        campaign = make_campaign("yc-2018", groups=["industries"])
        cast(campaign, self.water, "survey", {"a": "好", "b": "较好"})
        score(campaign, self.water, "70")
        snapshot = do_compute_results(campaign, actor=self.organiser)
        # survey (100+80)/2 = 90 × 40% = 36; online 70 × 60% = 42 → 78.00
        self.assertEqual(snapshot.results["units"][0]["composite"], 78.0)
        self.assertIn("water", snapshot.breakdown["units"])
        entries = list(AuditEntry.objects.filter(action="scoring.compute"))
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0].campaign_code, "yc-2018")
        self.assertEqual(entries[0].actor_label, "organiser")
        self.assertTrue(entries[0].detail["complete"])

        do_publish_results(snapshot, actor=self.organiser)
        snapshot.refresh_from_db()
        campaign.refresh_from_db()
        self.assertTrue(snapshot.published)
        self.assertTrue(campaign.is_published)
        self.assertEqual(AuditEntry.objects.filter(action="scoring.publish").count(), 1)

    def test_incomplete_results_are_not_published(self) -> None:
        campaign = make_campaign("yc-2018", groups=["industries"])
        snapshot = do_compute_results(campaign)  # water has nothing at all
        self.assertFalse(snapshot.results["complete"])
        with self.assertRaises(PublishRefused):
            do_publish_results(snapshot)
        snapshot.refresh_from_db()
        self.assertFalse(snapshot.published)
