"""Pages: scoping (a unit sees only its cases, never an identity), intake, actions, public check."""

from __future__ import annotations

import io

import docx
import pypdf
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse

from minping.audit.models import AuditEntry
from minping.cases import actions
from minping.cases.models import Case, Complainant, State
from minping.cases.tests.helpers import case_in, refresh, register, today
from minping.orgs.models import Membership, Role
from minping.test import BaseTestCase


class ScopingTest(BaseTestCase):
    def setUp(self) -> None:
        with today():
            self.mine = case_in(State.TRANSFERRED, self.gaj, self.organiser, summary="公安局的问题")
            self.window = case_in(
                State.TRANSFERRED, self.gaj_window, self.organiser, summary="户政窗口的问题"
            )
            self.theirs = case_in(
                State.TRANSFERRED, self.water, self.organiser, summary="水务集团的问题"
            )

    def test_a_liaison_lists_only_their_units_cases(self) -> None:
        self.client.force_login(self.liaison)
        page = self.client.get(reverse("cases:list")).content.decode()
        self.assertIn("公安局的问题", page)
        self.assertIn("户政窗口的问题", page)
        self.assertNotIn("水务集团的问题", page)

    def test_another_units_case_is_not_found(self) -> None:
        self.client.force_login(self.liaison)
        for name in ("cases:detail", "cases:card", "cases:card-docx", "cases:card-pdf"):
            url = reverse(name, args=[self.theirs.number])
            self.assertEqual(self.client.get(url).status_code, 404, name)
        url = reverse("cases:act", args=[self.theirs.number, "accept"])
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertEqual(refresh(self.theirs).state, State.TRANSFERRED)

    def test_a_liaison_never_sees_the_complainants_identity(self) -> None:
        self.client.force_login(self.liaison)
        for name in ("cases:detail", "cases:card"):
            page = self.client.get(reverse(name, args=[self.mine.number])).content.decode()
            self.assertIn(self.mine.pseudonym, page)
            self.assertNotIn("张三", page)
            self.assertNotIn("13800000000", page)
        card = docx.Document(
            io.BytesIO(self.client.get(reverse("cases:card-docx", args=[self.mine.number])).content)
        )
        text = "\n".join(c.text for t in card.tables for r in t.rows for c in r.cells)
        self.assertIn(self.mine.pseudonym, text)
        self.assertNotIn("张三", text)
        pdf = self.client.get(reverse("cases:card-pdf", args=[self.mine.number]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        (sheet,) = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
        # A4 is 210 × 297 mm = 595.28 × 841.89 points.
        self.assertAlmostEqual(float(sheet.mediabox.width), 595.28, delta=0.5)
        self.assertAlmostEqual(float(sheet.mediabox.height), 841.89, delta=0.5)
        # The text reads back as Chinese (the font is embedded, not boxes).
        printed = sheet.extract_text().replace(" ", "")
        self.assertIn("政风行风问题和案件登记转办卡", printed)
        self.assertIn(self.mine.number, printed)
        self.assertIn(self.mine.pseudonym, printed)
        self.assertNotIn("张三", printed)
        response = self.client.post(
            reverse("cases:reveal", args=[self.mine.number]), {"reason": "x"}
        )
        self.assertEqual(response.status_code, 403)
        with self.assertRaises(actions.CaseActionRefused):
            actions.do_reveal_identity(self.mine, reason="好奇", actor=self.liaison)

    def test_the_organisers_reveal_is_logged(self) -> None:
        self.client.force_login(self.organiser)
        url = reverse("cases:reveal", args=[self.mine.number])
        refused = self.client.post(url, {"reason": " "})
        self.assertEqual(refused.status_code, 302)
        self.assertFalse(AuditEntry.objects.filter(action="case.reveal_identity").exists())
        page = self.client.post(url, {"reason": "回访投诉人"}).content.decode()
        self.assertIn("张三", page)
        entry = AuditEntry.objects.get(action="case.reveal_identity")
        self.assertEqual((entry.actor, entry.detail["reason"]), (self.organiser, "回访投诉人"))


class IntakeAndActionPagesTest(BaseTestCase):
    def test_staff_register_a_hotline_call(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            reverse("cases:intake"),
            {
                "source": "hotline",
                "summary": "窗口工作人员玩手机",
                "details": "",
                "unit": self.gaj.pk,
                "deadline_workdays": 5,
                "name": "赵六",
                "phone": "13700000000",
            },
            follow=True,
        )
        case = Case.objects.get()
        self.assertContains(response, case.number)
        self.assertContains(response, "查询码")
        self.assertEqual(Complainant.objects.get(case=case).phone, "13700000000")
        self.assertFalse(case.anonymous)

    def test_a_bad_form_changes_nothing(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(reverse("cases:intake"), {"source": "x", "summary": ""})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Case.objects.count(), 0)

    def test_the_liaison_replies_through_the_page_and_a_refusal_is_shown(self) -> None:
        with today():
            case = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        self.client.force_login(self.liaison)
        detail = reverse("cases:detail", args=[case.number])
        self.assertContains(self.client.get(detail), "受理")
        self.client.post(reverse("cases:act", args=[case.number, "accept"]))
        response = self.client.post(
            reverse("cases:act", args=[case.number, "reply"]),
            {"facts": "属实", "handling": "", "measures": "培训"},
            follow=True,
        )
        self.assertContains(response, "请填写处理情况")
        self.assertEqual(refresh(case).state, State.ACCEPTED)
        self.client.post(
            reverse("cases:act", args=[case.number, "reply"]),
            {"facts": "属实", "handling": "已批评教育", "measures": "培训"},
        )
        self.assertEqual(refresh(case).state, State.REPLIED)
        response = self.client.post(reverse("cases:act", args=[case.number, "close"]), follow=True)
        self.assertContains(response, "不能销号")
        timeline = self.client.get(detail).content.decode()
        self.assertIn("已批评教育", timeline)
        self.assertIn("受理", timeline)

    def test_the_printable_card_has_its_number_and_deadline(self) -> None:
        with today():
            case = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("cases:card", args=[case.number])).content.decode()
        self.assertIn("政风行风问题和案件登记转办卡", page)
        self.assertIn(case.card_number, page)
        # Registered Mon 16 Mar 2026, 5 working days: Mon 23 Mar.
        self.assertIn("2026年03月23日", page)


class PublicPagesTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_an_anonymous_report_and_its_progress(self) -> None:
        response = self.client.post(
            reverse("cases:report"),
            {"unit": self.gaj.pk, "summary": "办事要跑好几趟", "details": "请求一次办好"},
        )
        self.assertEqual(response.status_code, 200)
        case = Case.objects.get()
        self.assertTrue(case.anonymous)
        self.assertFalse(Complainant.objects.exists())
        code = response.context["receipt"]["check_code"]
        self.assertContains(response, code)
        self.assertNotEqual(case.check_code_hash, code)
        progress = self.client.post(reverse("cases:check"), {"number": case.number, "code": code})
        self.assertContains(progress, "已登记")

    def test_wrong_codes_are_limited(self) -> None:
        case = register(self.gaj)
        url = reverse("cases:check")
        for _ in range(5):
            wrong = self.client.post(url, {"number": case.number, "code": "000000x"})
            self.assertEqual(wrong.status_code, 404)
        # The sixth try is refused even with the right code: this number is locked for a while.
        right = self.client.post(url, {"number": case.number, "code": case.check_code})
        self.assertEqual(right.status_code, 429)
        self.assertContains(right, "查询次数过多", status_code=429)

    def test_the_public_sees_the_result_once_verified_and_no_internal_notes(self) -> None:
        boss = User.objects.create_user("boss")
        Membership.objects.create(user=boss, role=Role.LEADER)
        url = reverse("cases:check")
        with today():
            case = register(self.gaj)
            code = case.check_code
            actions.do_draft_recommendation(case, text="内部建议书文字", actor=self.organiser)
            actions.do_approve_recommendation(case, actor=boss)
            actions.do_transfer(case, unit=self.gaj, actor=self.organiser)
            actions.do_accept(case, actor=self.liaison)
            actions.do_reply(
                case, facts="属实", handling="已为群众办结", measures="一次告知", actor=self.liaison
            )
            before = self.client.post(url, {"number": case.number, "code": code})
            self.assertContains(before, "已答复")
            self.assertNotContains(before, "已为群众办结")
            actions.do_verify(case, actor=self.organiser)
        page = self.client.post(url, {"number": case.number, "code": code})
        self.assertContains(page, "已为群众办结")
        self.assertNotContains(page, "内部建议书文字")
        self.assertNotContains(page, "整改建议书")
