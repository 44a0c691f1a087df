"""Score sheet and calendar pages: what the organiser, a leader and a rater see and may do."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from minping.audit.models import AuditEntry
from minping.campaigns.models import Method, MethodScore, ScoreSheet, SheetLine
from minping.campaigns.sheet_actions import do_assign
from minping.lib.models import CalendarDay, CalendarYear
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Membership, Role
from minping.test import BaseTestCase

CODES = re.compile(r"\b(gaj|gaj-w1|water|leaders|yc-2018)\b")


def visible_text(html: str) -> str:
    """The page's text without tags, attributes or the scripts' and links' addresses."""
    return re.sub(r"<[^>]+>", " ", html)


class SheetPagesTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()
        self.leaders = Method.objects.get(campaign=self.campaign, code="leaders")
        self.rater = User.objects.create_user("rater", first_name="王评分")
        Membership.objects.create(user=self.rater, role=Role.RATER, unit=self.water)
        self.base = f"/console/c/{self.campaign.code}/sheets/leaders/"

    def test_the_organiser_cannot_assign_a_rater_to_the_raters_own_unit(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            f"{self.base}assign/", {"rater": self.rater.pk, "units": [self.gaj.pk, self.water.pk]}
        )
        self.assertContains(
            response, "评分人属于水务集团,不能给水务集团(本单位)评分:单位不给自己评分"
        )
        self.assertEqual(SheetLine.objects.count(), 0)
        response = self.client.post(
            f"{self.base}assign/", {"rater": self.rater.pk, "units": [self.gaj.pk]}
        )
        self.assertRedirects(response, self.base)
        self.assertEqual(list(SheetLine.objects.values_list("unit", flat=True)), [self.gaj.pk])

    def test_a_tampered_form_names_nothing_outside_the_campaign(self) -> None:
        self.client.force_login(self.organiser)
        for data in (
            {"rater": self.rater.pk, "units": ["999999"]},
            {"rater": "x", "units": [self.gaj.pk]},
            {"rater": self.outsider.pk, "units": [self.gaj.pk]},  # not a rater
        ):
            response = self.client.post(f"{self.base}assign/", data)
            self.assertEqual(response.status_code, 200)
        self.assertEqual(ScoreSheet.objects.count(), 0)
        self.assertEqual(self.client.get("/console/c/yc-2018/sheets/online/").status_code, 404)

    def test_a_rater_fills_saves_and_submits_then_the_sheet_is_locked(self) -> None:
        do_assign(self.leaders, self.rater, [self.gaj, self.gaj_window], actor=self.organiser)
        sheet = ScoreSheet.objects.get()
        gaj, window = (sheet.lines.get(unit=u).pk for u in (self.gaj, self.gaj_window))
        self.client.force_login(self.rater)
        page = self.client.get(f"/console/sheets/{sheet.pk}/")
        self.assertContains(page, "户政窗口(公安局)")
        self.assertNotRegex(visible_text(page.content.decode()), CODES)
        response = self.client.post(
            f"/console/sheets/{sheet.pk}/", {f"score-{gaj}": "88", "step": "submit"}
        )
        self.assertContains(response, "户政窗口")
        self.assertContains(response, "还没有打分")
        self.assertContains(response, 'value="88"')  # what was typed is kept
        self.client.post(f"/console/sheets/{sheet.pk}/", {f"score-{gaj}": "88", "step": "save"})
        self.assertEqual(AuditEntry.objects.filter(action="sheet.save").count(), 1)
        self.assertFalse(MethodScore.objects.exists())
        response = self.client.post(
            f"/console/sheets/{sheet.pk}/",
            {f"score-{gaj}": "88", f"score-{window}": "92.5", "step": "submit"},
            follow=True,
        )
        self.assertContains(response, "评分表已提交")
        self.assertNotContains(response, '<input type="number"')
        self.assertEqual(
            dict(MethodScore.objects.values_list("unit__code", "score")),
            {"gaj": Decimal(88), "gaj-w1": Decimal("92.5")},
        )
        # Posting again changes nothing.
        response = self.client.post(
            f"/console/sheets/{sheet.pk}/",
            {f"score-{gaj}": "10", f"score-{window}": "10", "step": "submit"},
        )
        self.assertContains(response, "评分表已提交,不能再修改")
        self.assertContains(response, "88 分")
        self.assertNotContains(response, "10 分")
        self.assertEqual(MethodScore.objects.get(unit=self.gaj).score, Decimal(88))
        self.assertEqual(
            sorted(SheetLine.objects.values_list("score", flat=True)),
            [Decimal(88), Decimal("92.5")],
        )

    def test_a_rater_cannot_post_to_another_raters_sheet(self) -> None:
        do_assign(self.leaders, self.rater, [self.gaj], actor=self.organiser)
        sheet = ScoreSheet.objects.get()
        line = sheet.lines.get()
        other = User.objects.create_user("other")
        Membership.objects.create(user=other, role=Role.RATER)
        self.client.force_login(other)
        response = self.client.post(
            f"/console/sheets/{sheet.pk}/", {f"score-{line.pk}": "0", "step": "submit"}
        )
        self.assertEqual(response.status_code, 404)
        line.refresh_from_db()
        self.assertIsNone(line.score)
        self.assertContains(self.client.get("/console/sheets/"), "还没有给您指派")

    def test_progress_for_the_organiser_and_a_read_only_leader(self) -> None:
        do_assign(self.leaders, self.rater, [self.gaj], actor=self.organiser)
        self.client.force_login(self.leader)
        page = self.client.get(self.base)
        self.assertContains(page, "王评分")
        self.assertContains(page, "未填写")
        self.assertNotContains(page, "指派评分人</h2>")
        self.assertNotRegex(visible_text(page.content.decode()), CODES)
        self.assertContains(self.client.get("/console/c/yc-2018/sheets/"), "网上评分表")
        self.client.force_login(self.organiser)
        page = self.client.get(self.base)
        self.assertContains(page, "指派评分人</h2>")
        self.assertContains(page, "王评分(水务集团)")
        self.assertContains(page, 'src="/static/console/picker.js"')


class CalendarPageTest(BaseTestCase):
    def test_a_leader_sees_the_years_days_from_the_official_calendar(self) -> None:
        self.client.force_login(self.leader)
        page = self.client.get("/console/calendar/?year=2026")
        self.assertContains(page, "2026-02-15")
        self.assertContains(page, "春节")
        self.assertContains(page, "国务院安排")
        self.assertNotContains(page, "导入国务院放假通知")
        page = self.client.get("/console/calendar/?year=2027")
        self.assertContains(page, "尚无 2027 年的国务院放假安排")
        self.assertNotContains(page, "确认 2027 年已录入完毕")

    def test_the_organiser_imports_pasted_lines_and_sees_errors_by_line(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            "/console/calendar/import/",
            {"text": "2027-01-01 休 元旦\n2027-01-32 休 元旦", "complete": "on", "year": "2027"},
        )
        self.assertContains(response, "第 2 行,“日期”列:日期“2027-01-32”不存在")
        self.assertFalse(CalendarDay.objects.exists())
        response = self.client.post(
            "/console/calendar/import/",
            {"text": "2027-01-01至2027-01-03 休 元旦", "complete": "on", "year": "2027"},
            follow=True,
        )
        self.assertContains(response, "已导入:新增 3 天")
        self.assertContains(response, "已确认 2027 年录入完毕")
        self.assertContains(response, "本单位录入")
        self.assertTrue(CalendarYear.objects.filter(year=2027).exists())

    def test_the_organiser_adds_and_removes_a_day(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            "/console/calendar/days/",
            {"date": "2026-10-10", "kind": "off", "note": "不再调休", "year": "2026"},
            follow=True,
        )
        self.assertContains(response, "本单位更正(国务院安排:上班)")
        entry = CalendarDay.objects.get()
        self.client.post(f"/console/calendar/days/{entry.pk}/remove/")
        self.assertFalse(CalendarDay.objects.exists())
        response = self.client.post("/console/calendar/days/", {"date": "2026-02-30"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")
        self.assertFalse(CalendarDay.objects.exists())

    def test_the_organiser_uploads_the_notice_as_a_file(self) -> None:
        self.client.force_login(self.organiser)
        bad = "日期,类型,名称\n2027-05-01,休,劳动节\n2027-05-0x,休,劳动节\n".encode("gb18030")
        response = self.client.post(
            "/console/calendar/import/",
            {"file": SimpleUploadedFile("放假通知.csv", bad), "complete": "on"},
        )
        self.assertContains(response, "第 3 行,“日期”列:“2027-05-0x”不是日期")
        self.assertContains(response, "放假通知.csv 有 1 处错误,未作任何改动")
        self.assertFalse(CalendarDay.objects.exists())
        good = "日期,类型,名称\n2027-05-01至2027-05-05,休,劳动节\n".encode("gb18030")
        response = self.client.post(
            "/console/calendar/import/",
            {"file": SimpleUploadedFile("放假通知.csv", good)},
            follow=True,
        )
        self.assertContains(response, "已导入:新增 5 天")
        self.assertFalse(CalendarYear.objects.exists())  # the box was not ticked
        self.assertContains(response, "确认 2027 年已录入完毕")
