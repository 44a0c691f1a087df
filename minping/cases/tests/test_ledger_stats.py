"""The rectification ledger and its Excel file, monthly statistics, and comment pick-up."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from minping.cases import actions
from minping.cases.actions import CaseActionRefused
from minping.cases.models import Case, LedgerItem, State
from minping.cases.stats import monthly
from minping.cases.tests.helpers import case_in, register, today
from minping.lib.tests.import_fixtures import make_campaign
from minping.surveys.models import Comment
from minping.test import BaseTestCase

D = datetime.date


class LedgerTest(BaseTestCase):
    def test_measures_are_kept_and_struck_off_one_by_one(self) -> None:
        with today():
            case = case_in(State.ACCEPTED, self.gaj, self.organiser)
            first = actions.do_add_ledger_item(
                unit=self.gaj,
                problem="窗口推诿",
                measure="推行首问负责制",
                responsible="王科长",
                due_on=D(2026, 4, 30),
                case=case,
                actor=self.liaison,
            )
            actions.do_add_ledger_item(
                unit=self.gaj_window,
                problem="排队时间长",
                measure="增设自助机",
                responsible="李主任",
                due_on=D(2026, 5, 31),
                actor=self.liaison,
            )
            with self.assertRaisesMessage(CaseActionRefused, "请先填写整改进展"):
                actions.do_strike_off(first, actor=self.organiser)
            actions.do_update_ledger_item(
                first, progress="已建立制度", feedback="群众认可", actor=self.liaison
            )
            with self.assertRaisesMessage(CaseActionRefused, "只有组织单位可以销号"):
                actions.do_strike_off(first, actor=self.liaison)
            actions.do_strike_off(first, actor=self.organiser)
        self.assertEqual(LedgerItem.objects.get(pk=first.pk).struck_off_on, D(2026, 3, 20))
        with self.assertRaisesMessage(CaseActionRefused, "本单位联络员或组织单位"):
            actions.do_add_ledger_item(
                unit=self.water,
                problem="x",
                measure="y",
                responsible="z",
                due_on=D(2026, 4, 1),
                actor=self.liaison,
            )

        self.client.force_login(self.liaison)
        response = self.client.get(reverse("cases:ledger-xlsx", args=["gaj"]))
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(workbook.sheetnames, ["整改销号台账", "问题清单", "责任清单"])
        ledger = workbook["整改销号台账"]
        self.assertEqual(ledger["A1"].value, "公安局整改销号台账")
        self.assertEqual(
            [c.value for c in ledger[2]],
            [
                "序号",
                "存在问题",
                "整改措施",
                "责任人",
                "完成时限",
                "整改进展",
                "反馈情况",
                "销号情况",
                "问题编号",
            ],
        )
        rows = {r[1]: r for r in ledger.iter_rows(min_row=3, values_only=True)}
        self.assertEqual(rows["窗口推诿"][3], "王科长")
        self.assertEqual(rows["窗口推诿"][7], "已销号 2026-03-20")
        self.assertEqual(rows["窗口推诿"][8], case.number)
        # The window's measure is in its department's ledger too.
        self.assertEqual(rows["排队时间长"][7], "未销号")
        self.assertEqual(workbook["问题清单"]["B3"].value, case.number)
        people = [r[0] for r in workbook["责任清单"].iter_rows(min_row=3, values_only=True)]
        self.assertEqual(people, ["李主任", "王科长"])

    def test_the_ledger_page_adds_and_refuses_clearly(self) -> None:
        self.client.force_login(self.liaison)
        url = reverse("cases:ledger-add", args=["gaj"])
        response = self.client.post(
            url, {"problem": "x", "measure": "y", "responsible": "z"}, follow=True
        )
        self.assertContains(response, "请填写完成时限")
        self.client.post(
            url,
            {"problem": "态度差", "measure": "培训", "responsible": "张", "due_on": "2026-06-30"},
        )
        self.assertContains(self.client.get(reverse("cases:ledger", args=["gaj"])), "态度差")
        self.assertEqual(self.client.get(reverse("cases:ledger", args=["water"])).status_code, 404)


class MonthlyStatsTest(BaseTestCase):
    def test_counts_and_rates_worked_by_hand(self) -> None:
        # March 2026, all registered Mon 16 Mar (due Mon 23 Mar):
        #   gaj: one closed (satisfied); one replied late (Tue 24 Mar); one merged into a
        #        fourth that stays registered. The merged one is not counted.
        #   water: one transferred, not yet answered; one registered, not transferred.
        # gaj:   total 3, transferred 2, answered 2, on time 1, closed 1, satisfied 1 of 1
        #        → response 2/2 = 100.0, on-time 1/2 = 50.0, resolution 1/3 = 33.3, satisf. 100.0
        # water: total 2, transferred 1, answered 0 → response 0/1 = 0.0, on-time —, res. 0/2 = 0.0
        # all:   total 5, transferred 3, answered 2, closed 1
        #        → response 2/3 = 66.7 (66.666… rounded half up), resolution 1/5 = 20.0
        # sources: hotline 2 (closed, merge target), 12345 1, media 2.
        with today(D(2026, 3, 20)):
            case_in(State.CLOSED, self.gaj, self.organiser)
            late = case_in(State.ACCEPTED, self.gaj, self.organiser, source="12345")
            case_in(State.MERGED, self.gaj, self.organiser)
            case_in(State.TRANSFERRED, self.water, self.organiser, source="media")
            register(self.water, source="media")
        with today(D(2026, 3, 24)):
            actions.do_reply(late, facts="a", handling="b", measures="c", actor=self.liaison)
        register(self.gaj, registered_on=D(2026, 4, 1))  # April: not counted
        stats = monthly(Case.objects.all(), "2026-03")
        units = {row.label: row for row in stats.by_unit}
        gaj, water, overall = units["公安局"], units["水务集团"], stats.overall
        self.assertEqual(
            (gaj.response_rate, gaj.on_time_rate, gaj.resolution_rate, gaj.satisfaction_rate),
            (Decimal("100.0"), Decimal("50.0"), Decimal("33.3"), Decimal("100.0")),
        )
        self.assertEqual(
            (water.response_rate, water.on_time_rate, water.resolution_rate),
            (Decimal("0.0"), None, Decimal("0.0")),
        )
        self.assertEqual(overall.counts["total"], 5)
        self.assertEqual(
            (overall.response_rate, overall.resolution_rate), (Decimal("66.7"), Decimal("20.0"))
        )
        self.assertEqual(dict(stats.by_source), {"政风行风热线": 2, "12345热线": 1, "媒体报道": 2})

        self.client.force_login(self.leader)
        response = self.client.get(reverse("cases:stats-xlsx") + "?month=2026-03")
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = workbook["按单位"]
        rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
        self.assertEqual(rows["合计"][1], 5)
        self.assertEqual(rows["合计"][7], "66.7%")
        self.assertEqual(rows["水务集团"][8], "—")
        page = self.client.get(reverse("cases:stats") + "?month=2026-13")
        self.assertContains(page, "不是有效的月份")


class CommentPickUpTest(BaseTestCase):
    def test_a_marked_comment_becomes_a_case_once(self) -> None:
        campaign = make_campaign("yc-2026", year=2026)
        marked = Comment.objects.create(
            campaign=campaign,
            unit=self.gaj,
            date=D(2026, 3, 10),
            text="办事大厅空调坏了没人修",
            follow_up=True,
        )
        unmarked = Comment.objects.create(
            campaign=campaign, unit=self.gaj, date=D(2026, 3, 10), text="很好"
        )
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("cases:comments"))
        self.assertContains(page, "办事大厅空调坏了没人修")
        self.assertNotContains(page, "很好")
        self.client.post(reverse("cases:comments"), {"comment": str(marked.pk)})
        marked.refresh_from_db()
        case = Case.objects.get()
        self.assertEqual(marked.case_number, case.number)
        self.assertEqual((case.source, case.unit, case.campaign), ("comment", self.gaj, campaign))
        response = self.client.post(
            reverse("cases:comments"), {"comment": str(marked.pk)}, follow=True
        )
        self.assertContains(response, "已登记为问题")
        with self.assertRaisesMessage(CaseActionRefused, "没有标记为需要跟进处理"):
            actions.do_register_from_comment(unmarked, actor=self.organiser)
        self.assertEqual(Case.objects.count(), 1)
        bad = self.client.post(reverse("cases:comments"), {"comment": "not-a-uuid"}, follow=True)
        self.assertContains(bad, "没有这条意见")
