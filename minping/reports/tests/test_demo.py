"""The demo end to end: every example goes through the loader, the importers and the engine."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from minping.audit.log import verify
from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign
from minping.orgs.access import visible_units
from minping.orgs.models import Membership
from minping.reports.management.commands.demo import ROLE_USERS
from minping.scoring.models import ResultSnapshot

YC = settings.BASE_DIR / "examples" / "yc-2018"
# ``minping results CODE --format json`` of every example, as committed (examples/results.py).
EXPECTED_RESULTS = Path(__file__).resolve().parent / "example_results"


class DemoTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", no_serve=True, stdout=StringIO())

    def latest(self, code: str) -> dict:
        return ResultSnapshot.objects.filter(campaign__code=code).latest().results

    def test_every_example_is_loaded_and_scored_completely(self) -> None:
        codes = set(Campaign.objects.values_list("code", flat=True))
        self.assertEqual(
            codes,
            {"zhifa-2014", "yc-2018", "nt-2012", "xzfw-2014", "xwcb-2010"},
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
        self.assertEqual(
            [p.stem for p in expected], sorted(Campaign.objects.values_list("code", flat=True))
        )
        for path in expected:
            out = StringIO()
            call_command("results", path.stem, format="json", allow_missing=True, stdout=out)
            self.assertEqual(out.getvalue(), path.read_text(encoding="utf-8"), path.stem)

    def test_yinchuan_ranks_82_agencies_and_7_industries_separately(self) -> None:
        units = self.latest("yc-2018")["units"]
        groups = [u["group"] for u in units]
        self.assertEqual(groups.count("yc-agencies"), 82)
        self.assertEqual(groups.count("yc-industries"), 7)
        # Each group is ranked from 1 on its own.
        for group in ("yc-agencies", "yc-industries"):
            self.assertEqual(min(u["rank"] for u in units if u["group"] == group), 1)

    def test_yinchuan_media_deductions_stop_at_five_points(self) -> None:
        # Sum the signed, in-window media events of yc-bhxq straight from the file:
        # each media rule costs 0.1 a time, so the raw total is 0.1 × their count,
        # which the example makes exceed the cap; the cap is 5.
        window = (datetime.date(2017, 12, 1), datetime.date(2018, 11, 30))
        media_rules = {"no_interview", "hotline_overdue", "repeat_complaint", "refuse_on_air"}
        with open(YC / "deductions.csv", encoding="utf-8-sig") as f:
            events = sum(
                int(row["count"] or 1)
                for row in csv.DictReader(f)
                if row["unit"] == "yc-bhxq"
                and row["rule"] in media_rules
                and row["signed_off"] == "是"
                and window[0] <= datetime.date.fromisoformat(row["date"]) <= window[1]
            )
        self.assertGreater(Decimal("0.1") * events, 5)
        unit = next(u for u in self.latest("yc-2018")["units"] if u["unit"] == "yc-bhxq")
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
        before = ResultSnapshot.objects.count()
        call_command("demo", no_serve=True, stdout=StringIO())
        self.assertEqual(ResultSnapshot.objects.count(), before)

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
