"""The demo end to end: every example goes through the loader, the importers and the engine."""

from __future__ import annotations

import csv
import datetime
import json
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.utils import timezone

from minping.audit.log import verify
from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign
from minping.cases.actions import allowed_actions
from minping.cases.models import Case, Extension, State
from minping.orgs.access import visible_units
from minping.orgs.models import Membership
from minping.oversight.models import Deduction, Review, Submission, VisitPlan
from minping.panels.models import Draw
from minping.reports.live_demo import live_code
from minping.reports.management.commands.demo import ROLE_USERS
from minping.scoring.models import ResultSnapshot
from minping.surveys.models import Ballot, Invitation, Kiosk, WindowLink
from minping.surveys.questionnaires import closed_reason, settings_for
from minping.verify import check

YC = settings.BASE_DIR / "examples" / "yc-2018"
XZ_2013 = settings.BASE_DIR / "examples" / "xzfw-2013"
# ``minping results CODE --format json`` of every example, as committed (examples/results.py).
EXPECTED_RESULTS = Path(__file__).resolve().parent / "example_results"


class DemoTestCase(TestCase):
    output: str

    @classmethod
    def setUpTestData(cls) -> None:
        out = StringIO()
        call_command("demo", no_serve=True, stdout=out)
        cls.output = out.getvalue()

    def latest(self, code: str) -> dict:
        return ResultSnapshot.objects.filter(campaign__code=code).latest().results

    def test_every_example_is_loaded_and_scored_completely(self) -> None:
        codes = set(Campaign.objects.exclude(code=live_code()).values_list("code", flat=True))
        self.assertEqual(
            codes,
            {"zhifa-2014", "yc-2018", "nt-2012", "xzfw-2013", "xzfw-2014", "xwcb-2010"},
        )
        for code in codes:
            results = self.latest(code)
            self.assertTrue(results["complete"], code)
            self.assertTrue(all(u["rank"] for u in results["units"]), code)

    def test_every_example_gives_the_committed_results_byte_for_byte(self) -> None:
        # The results JSON is a fixed contract (DESIGN.md): a refactoring must not move a
        # byte of it. After a change meant to move results, rewrite the files with
        # `python examples/results.py minping/reports/tests/example_results` and review the diff.
        expected = sorted(EXPECTED_RESULTS.glob("*.json"), key=lambda p: p.stem)
        examples = Campaign.objects.exclude(code=live_code())
        self.assertEqual(
            [p.stem for p in expected], sorted(examples.values_list("code", flat=True))
        )
        for path in expected:
            out = StringIO()
            call_command("results", path.stem, format="json", allow_missing=True, stdout=out)
            text = path.read_text(encoding="utf-8")
            self.assertEqual(self.as_computed_afresh(out.getvalue(), text), text, path.stem)

    def as_computed_afresh(self, demo: str, committed: str) -> str:
        """The demo's results JSON with the one line that differs from examples/results.py's
        by design: the demo publishes last year's results (xzfw-2013) before this year's, so
        xzfw-2014 compares with that published snapshot (numbered, dated today), where
        results.py computes the baseline afresh. The figures must still agree to the byte."""
        expected = json.loads(committed)["baseline_campaign"]
        if expected is None:
            return demo
        found = json.loads(demo)["baseline_campaign"]
        snapshot = ResultSnapshot.objects.get(campaign__code=found["campaign"], published=True)
        self.assertEqual(
            found["source"],
            f"{found['campaign']} 已发布结果(快照 #{snapshot.pk},{snapshot.computed_at:%Y-%m-%d})",
        )

        def line(source: str) -> str:
            return f'"source": {json.dumps(source, ensure_ascii=False)}'

        self.assertEqual(demo.count(line(found["source"])), 1)
        return demo.replace(line(found["source"]), line(expected["source"]))

    def test_every_examples_results_package_verifies(self) -> None:
        # docs/statistics.md: the package of each example's results recomputes to them.
        # The live campaign is still collecting: it has no results yet.
        computed = Campaign.objects.filter(snapshots__isnull=False).distinct()
        self.assertEqual(computed.count(), 6)
        for code in computed.values_list("code", flat=True):
            snapshot = ResultSnapshot.objects.filter(campaign__code=code).latest()
            package = snapshot.package()
            assert package is not None, code
            self.assertEqual(check(json.loads(json.dumps(package))), [], code)
            self.assertTrue(package["certainty"]["units"], code)

    def test_yinchuan_ranks_82_agencies_and_7_industries_separately(self) -> None:
        units = self.latest("yc-2018")["units"]
        groups = [u["group"] for u in units]
        self.assertEqual(groups.count("yc-agencies"), 82)
        self.assertEqual(groups.count("yc-industries"), 7)
        # Each group is ranked from 1 on its own.
        for group in ("yc-agencies", "yc-industries"):
            self.assertEqual(min(u["rank"] for u in units if u["group"] == group), 1)

    def test_yinchuan_media_deductions_stop_at_five_points(self) -> None:
        # Sum the signed, in-window media events of each unit straight from the file:
        # each media rule costs 0.1 a time, so the raw total is 0.1 × their count,
        # which the example makes exceed the cap for one unit; the cap is 5.
        window = (datetime.date(2017, 12, 1), datetime.date(2018, 11, 30))
        media_rules = {"no_interview", "hotline_overdue", "repeat_complaint", "refuse_on_air"}
        events: Counter[str] = Counter()
        with open(YC / "deductions.csv", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                if (
                    row["rule"] in media_rules
                    and row["signed_off"] == "是"
                    and window[0] <= datetime.date.fromisoformat(row["date"]) <= window[1]
                ):
                    events[row["unit"]] += int(row["count"] or 1)
        capped, count = events.most_common(1)[0]
        self.assertGreater(Decimal("0.1") * count, 5)
        unit = next(u for u in self.latest("yc-2018")["units"] if u["unit"] == capped)
        self.assertEqual(unit["deductions"]["media"], 5.0)
        # They come off 网络及跟踪评议 (a version-2 rule with method = "online"), so the
        # composite is the weighted score of the deducted figures: nothing more off it.
        self.assertEqual(unit["methods"]["online"]["deducted"], 5.0)
        self.assertEqual(unit["composite"], unit["weighted"])

    def test_publication_follows_each_plan(self) -> None:
        # 000 and 003 require publishing results, Yinchuan (001) forbids it.
        self.assertContains(self.client.get("/c/zhifa-2014/"), "综合得分")
        self.assertContains(self.client.get("/c/xzfw-2014/"), "综合得分")
        self.assertEqual(self.client.get("/c/yc-2018/").status_code, 302)

    def test_county_centre_veto_makes_a_window_unsatisfactory(self) -> None:
        vetoed = [u for u in self.latest("xzfw-2014")["units"] if u["vetoed"]]
        self.assertEqual(len(vetoed), 1)
        self.assertEqual(vetoed[0]["grade"], "unsatisfactory")

    def test_county_centre_focus_list_comes_from_last_years_results(self) -> None:
        # Seed 003: this year's focus is last year's last window and every window
        # last year's campaign (xzfw-2013) criticised, i.e. deducted points from once signed.
        last_year = self.latest("xzfw-2013")["units"]
        last = {u["unit"] for u in last_year if u["rank"] == max(v["rank"] for v in last_year)}
        with open(XZ_2013 / "deductions.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        criticised = {r["unit"] for r in rows if r["signed_off"] == "是"}
        self.assertTrue(any(r["signed_off"] == "否" for r in rows))
        focus = {u["unit"]: u["focus"] for u in self.latest("xzfw-2014")["units"] if u["focus"]}
        self.assertEqual(set(focus), last | criticised)
        for unit in last:
            self.assertIn("上年综合得分本组后 1 名", focus[unit])
        for unit in criticised:
            self.assertIn("上年受通报批评(减分)", focus[unit])

    def test_yinchuan_units_outside_the_hall_are_weighted_over_the_other_methods(self) -> None:
        # 政务服务中心测评 covers only the units in the citizens' hall: the others' weighted
        # score is Σ score × 25 / 75 over the three other methods (rescaled to 100).
        units = self.latest("yc-2018")["units"]
        outside = [u for u in units if u["methods"]["service_centre"]["score"] is None]
        self.assertEqual(len(outside), 89 - 32)
        for unit in outside:
            scores = [unit["methods"][m]["score"] for m in ("third_party", "representatives")]
            online = unit["methods"]["online"]
            # The online figure is after its deductions; the weighted score uses it so.
            scores.append(online["score"])
            # Each score is rounded to 2 places in the JSON, the weighted from exact figures.
            self.assertAlmostEqual(unit["weighted"], sum(scores) / 3, delta=0.011)
            self.assertIsNone(unit["method_ranks"]["service_centre"])

    def test_the_audit_chain_holds_after_the_demo(self) -> None:
        self.assertEqual(verify(), [])
        self.assertTrue(AuditEntry.objects.filter(action="demo.create_user").exists())

    def test_every_role_has_a_demo_account_scoped_like_a_real_one(self) -> None:
        liaison = User.objects.get(username="gaj")
        self.assertEqual([u.code for u in visible_units(liaison)], ["yc-gaj"])
        leader = User.objects.get(username="lingdao")
        self.assertTrue(leader.check_password("minping-demo"))
        self.client.force_login(leader)
        # A leader reads Yinchuan's results although the plan keeps them from the public.
        self.assertEqual(self.client.get("/c/yc-2018/").status_code, 200)
        self.assertEqual(
            set(Membership.objects.values_list("user__username", "role")),
            {(name, role) for name, role, *_ in ROLE_USERS},
        )

    def test_running_the_demo_again_changes_nothing(self) -> None:
        def counts() -> list[int]:
            return [
                m._default_manager.count()
                for m in (ResultSnapshot, Case, Ballot, Deduction, Invitation, AuditEntry)
            ]

        before = counts()
        call_command("demo", no_serve=True, stdout=StringIO())
        self.assertEqual(counts(), before)

    def test_the_document_typo_is_rejected_with_its_line(self) -> None:
        err = StringIO()
        with self.assertRaises(CommandError):
            call_command("load", str(YC / "campaign-with-document-typo.toml"), stderr=err)
        self.assertIn("2018-11-31", err.getvalue())
        self.assertRegex(err.getvalue(), r"第 \d+ 行")

    def test_approval_follows_each_plan(self) -> None:
        # Seed 004's results await the provincial bureau's approval (上报省局审定); seed 003's
        # were approved by the county leading group before the hall screen shows them.
        xwcb = ResultSnapshot.objects.get(campaign__code="xwcb-2010")
        self.assertEqual(xwcb.state, "submitted")
        xzfw = ResultSnapshot.objects.get(campaign__code="xzfw-2014")
        self.assertEqual(
            (xzfw.state, xzfw.approved_by.username if xzfw.approved_by else ""),
            ("published", "xianlingdao"),
        )
        self.client.force_login(User.objects.get(username="shengju"))
        self.assertContains(self.client.get("/console/c/xwcb-2010/results/"), "审定通过")
        self.assertEqual(self.client.get("/console/c/xzfw-2014/results/").status_code, 404)

    # --- the live campaign (reports/live_demo.py) -------------------------------------------

    def live_case(self, summary: str) -> Case:
        return Case.objects.get(campaign__code=live_code(), summary__startswith=summary)

    def need_deadlines_ahead(self) -> None:
        """Skip in the last days of a year whose successor the holiday calendar lacks.

        Then the demo cannot set deadlines for its recent cases (R-28), leaves them out
        and says so.
        """
        if "跳过问题线索" in self.output:
            self.skipTest("节假日表还没有下一年的数据,演示跳过了期限落在下一年的问题线索")

    def test_the_live_campaign_collects_today_through_every_channel(self) -> None:
        campaign = Campaign.objects.get(code=live_code())
        # The plan's dates are moved so that today lies inside every method's collection.
        for method in campaign.methods.all():
            self.assertEqual(closed_reason(settings_for(method)), "", method.code)
        today = timezone.localdate()
        self.assertTrue(campaign.deductions_from and campaign.deductions_from <= today)
        # a draw from the sample library, and its invitations, some of them used.
        draw = Draw.objects.get(campaign=campaign, method__code="third_party")
        self.assertEqual(draw.sample_size, 120)
        issued = Invitation.objects.filter(method__code="third_party", campaign=campaign)
        self.assertEqual(issued.count(), 120)
        self.assertEqual(issued.filter(used=True).count(), 40)
        # R-13: 31 names on the representatives' list, one of them twice: 30 invitations.
        self.assertEqual(
            Invitation.objects.filter(method__code="representatives", campaign=campaign).count(),
            30,
        )
        # QR codes at the hall's counters and a paired tablet at one of them.
        links = WindowLink.objects.filter(campaign=campaign)
        self.assertEqual(links.count(), 8)
        self.assertTrue(Kiosk.objects.filter(window__campaign=campaign, paired=True).exists())
        channels = set(
            Ballot.objects.filter(campaign=campaign, status=Ballot.Status.ACCEPTED).values_list(
                "channel", flat=True
            )
        )
        self.assertEqual(channels, {"invitation", "window", "kiosk", "online"})
        # A member of the public can rate a counter right now.
        page = self.client.get(f"/s/w/{links.first().slug}/")  # type: ignore[union-attr]
        self.assertEqual(page.status_code, 200)

    def test_the_live_campaign_has_a_case_in_every_state(self) -> None:
        self.need_deadlines_ahead()
        cases = Case.objects.filter(campaign__code=live_code())
        self.assertEqual(set(cases.values_list("state", flat=True)), set(State.values))
        # Overdue: one the unit accepted, one it has not even accepted.
        self.assertEqual(
            set(cases.filter(overdue=True).values_list("state", flat=True)),
            {State.ACCEPTED, State.TRANSFERRED},
        )
        # Extended within the month, and one extension waiting for a decision.
        extended = self.live_case("不动产登记")
        assert extended.due_on and extended.original_due_on
        self.assertGreater(extended.due_on, extended.original_due_on)
        self.assertFalse(extended.overdue)
        self.assertTrue(
            Extension.objects.filter(
                case__campaign__code=live_code(), decision=Extension.Decision.PENDING
            ).exists()
        )
        # a repeat complaint about a closed case, which proposed the media deduction.
        repeat = cases.get(is_repeat=True)
        self.assertEqual(repeat.repeat_of.state, State.CLOSED)  # type: ignore[union-attr]
        # Every step went through an action: each case's timeline matches the audit log.
        for case in cases:
            self.assertEqual(
                AuditEntry.objects.filter(action__startswith="case.", object_id=str(case.pk))
                .exclude(action="case.reveal_identity")
                .count(),
                case.events.count(),
                case.summary,
            )

    def test_deductions_wait_for_sign_off_and_for_review(self) -> None:
        deductions = Deduction.objects.filter(campaign__code=live_code())
        statuses = [d.status for d in deductions]
        # Proposed: two by the media clerk, one for the repeat complaint, two for overdue cases.
        self.assertEqual(statuses.count(Review.PROPOSED), 5)
        self.assertEqual(statuses.count(Review.SIGNED_OFF), 1)
        self.assertEqual(statuses.count(Review.ACCEPTED), 1)
        self.assertEqual(statuses.count(Review.REJECTED), 1)
        self.assertEqual(
            set(deductions.filter(status=Review.PROPOSED).values_list("rule__code", flat=True)),
            {"no_interview", "refuse_on_air", "repeat_complaint", "hotline_overdue"},
        )
        # The media head has the proposals to sign; the organiser's desk says one awaits review.
        self.client.force_login(User.objects.get(username="meiti-fzr"))
        page = self.client.get("/console/oversight/deductions/")
        self.assertContains(page, "记者就公交线路调整采访")
        self.client.force_login(User.objects.get(username="demo"))
        self.assertContains(self.client.get("/console/"), "待审核")

    def test_submissions_are_late_on_time_and_missing(self) -> None:
        submissions = Submission.objects.filter(requirement__campaign__code=live_code())
        self.assertEqual(sorted(s.late for s in submissions), [False, False, True, True, True])

    def test_the_leader_has_a_recommendation_to_approve(self) -> None:
        case = self.live_case("占道经营")
        self.assertTrue(case.recommendation)
        self.assertIsNone(case.recommendation_approved_at)
        leader = User.objects.get(username="lingdao")
        self.assertEqual(allowed_actions(case, leader), ["approve_recommendation"])
        self.client.force_login(leader)
        self.assertContains(self.client.get(f"/cases/{case.number}/"), "批准整改建议书")

    def test_the_liaison_of_the_live_campaign_sees_their_cases_and_submissions(self) -> None:
        self.need_deadlines_ahead()
        self.client.force_login(User.objects.get(username="gaj"))
        page = self.client.get("/cases/")
        transferred = self.live_case("户籍窗口")
        overdue = self.live_case("派出所开具")
        self.assertContains(page, transferred.number)
        self.assertContains(page, overdue.number)
        # Not another unit's case, nor one about the unit that was not transferred yet.
        self.assertNotContains(page, self.live_case("社保卡补办等待").number)
        self.assertNotContains(page, self.live_case("排队时间太长").number)
        self.assertIn("accept", allowed_actions(transferred, User.objects.get(username="gaj")))
        portal = self.client.get("/console/portal/yc-gaj/")
        self.assertContains(portal, "已逾期,请尽快报送")
        self.assertContains(portal, "年度作风建设工作总结及报表")
        # The evaluator's finding at the unit, without the evaluator's name.
        self.assertContains(portal, "户籍窗口办事指南未更新")
        self.assertNotContains(portal, "pingyiyuan")

    def test_the_evaluator_has_a_visit_to_make(self) -> None:
        plans = VisitPlan.objects.filter(campaign__code=live_code())
        self.assertEqual(plans.count(), 2)
        self.assertEqual(plans.filter(visits__isnull=True).count(), 1)

    def test_the_interviewer_reaches_the_live_survey_from_the_desk(self) -> None:
        self.client.force_login(User.objects.get(username="fangwen"))
        self.assertContains(self.client.get("/console/"), 'href="/s/enter/"')
        title = Campaign.objects.get(code=live_code()).title
        self.assertContains(self.client.get("/s/enter/"), title)
