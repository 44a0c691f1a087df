"""Data arriving after a method's deadline (R-19, seed 001: 各项测评数据结果于12月10日前报市直机关
工委): taken, never silently refused, warned about at import and flagged on the monitor and
the results page."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

from django.core.management import call_command

from minping.audit.models import AuditEntry
from minping.campaigns.models import Method, MethodScore
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.scoring.late_data import late_data
from minping.surveys.actions import do_import_ballots
from minping.surveys.models import Ballot
from minping.test import BaseTestCase

DEADLINE = datetime.date(2018, 12, 10)
HEADER = ["ballot", "method", "unit", "indicator", "level", "date"]


def ballot(key: str, day: str, unit: str = "gaj") -> list[list[str]]:
    return [
        [key, "third_party", unit, "sifeng", "好", day],
        [key, "third_party", unit, "fuwu", "差", day],
    ]


class LateDataTests(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()
        Method.objects.filter(campaign=self.campaign).update(deadline=DEADLINE)

    def test_ballots_dated_after_the_deadline_are_taken_and_warned_about(self) -> None:
        rows = [
            HEADER,
            *ballot("a", "2018-12-10"),
            *ballot("b", "2018-12-11"),
            *ballot("c", "2018-12-12"),
        ]
        summary = do_import_ballots(self.campaign, self.csv_file(rows), actor=self.organiser)
        self.assertEqual(Ballot.objects.count(), 3)  # none refused
        self.assertEqual(
            summary.warnings,
            [
                "“第三方测评”的数据应于 2018年12月10日 前报送,有 2 份答卷晚于截止日期:"
                "已照常计入,收集进度和结果页上标明逾期"
            ],
        )
        entry = AuditEntry.objects.get(action="import.ballots")
        self.assertEqual(entry.detail["late"], {"第三方测评": 2})
        # The 10th itself is on time; the 11th and 12th are late.
        [found] = late_data(self.campaign)
        self.assertEqual((found.method, found.ballots, found.scores), ("第三方测评", 2, 0))

    def test_the_command_prints_the_warning_and_succeeds(self) -> None:
        path = self.csv_file([HEADER, *ballot("a", "2018-12-20")])
        out, err = StringIO(), StringIO()
        call_command("import", "ballots", self.campaign.code, str(path), stdout=out, stderr=err)
        self.assertIn("晚于截止日期", err.getvalue())
        self.assertIn("已导入 1 份答卷", out.getvalue())

    def test_scores_recorded_after_the_deadline(self) -> None:
        rows = [["method", "unit", "score"], ["leaders", "gaj", "88"]]
        with mock.patch("django.utils.timezone.localdate", return_value=DEADLINE):
            on_time = call_command_quietly(self.campaign.code, self.csv_file(rows, "a.csv"))
        self.assertEqual(on_time, "")
        self.assertEqual(late_data(self.campaign), [])
        corrected = [
            ["method", "unit", "score"],
            ["leaders", "gaj", "90"],
            ["leaders", "water", "70"],
        ]
        with mock.patch(
            "django.utils.timezone.localdate", return_value=datetime.date(2018, 12, 15)
        ):
            warned = call_command_quietly(self.campaign.code, self.csv_file(corrected, "b.csv"))
        self.assertIn("“领导评议”的数据应于 2018年12月10日 前报送,有 2 个得分晚于截止日期", warned)
        self.assertEqual(
            sorted(MethodScore.objects.values_list("unit__code", "recorded_on")),
            [("gaj", datetime.date(2018, 12, 15)), ("water", datetime.date(2018, 12, 15))],
        )
        [found] = late_data(self.campaign)
        self.assertEqual((found.ballots, found.scores), (0, 2))

    def test_a_method_without_a_deadline_flags_nothing(self) -> None:
        Method.objects.filter(campaign=self.campaign).update(deadline=None)
        do_import_ballots(self.campaign, self.csv_file([HEADER, *ballot("a", "2019-01-05")]))
        self.assertEqual(late_data(self.campaign), [])

    def test_monitor_and_results_pages_flag_late_data(self) -> None:
        do_import_ballots(self.campaign, self.csv_file([HEADER, *ballot("a", "2018-12-31")]))
        self.client.force_login(self.leader)
        for page in ("monitor", "results"):
            response = self.client.get(f"/console/c/{self.campaign.code}/{page}/")
            self.assertContains(response, "逾期数据")
            self.assertContains(response, "有 1 份答卷晚于截止日期")
        self.assertContains(
            self.client.get(f"/console/c/{self.campaign.code}/monitor/"), "数据截止 12月10日"
        )


def call_command_quietly(code: str, path: object) -> str:
    err = StringIO()
    call_command("import", "scores", code, str(path), stdout=StringIO(), stderr=err)
    return err.getvalue()
