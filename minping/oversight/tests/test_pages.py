"""Oversight through its pages: deduction sign-off and review, inspections, who sees whom."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.lib.tests import upload_fixtures
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Membership, Role
from minping.oversight.models import ContactCard, Deduction, Review, Veto, Visit
from minping.test import UploadsTestCase

PNG = upload_fixtures.image("PNG")
PDF = upload_fixtures.pdf()


class PagesTestCase(UploadsTestCase):
    campaign: Campaign
    reporter: User
    editor: User
    inspector: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.campaign = make_campaign("yc-2018")
        cls.reporter = User.objects.create_user("reporter")
        cls.editor = User.objects.create_user("editor")
        cls.inspector = User.objects.create_user("inspector-zhao")
        Membership.objects.create(user=cls.reporter, role=Role.SOURCE_MEMBER, source_code="media")
        Membership.objects.create(user=cls.editor, role=Role.SOURCE_HEAD, source_code="media")
        Membership.objects.create(user=cls.inspector, role=Role.INSPECTOR)


class DeductionPagesTestCase(PagesTestCase):
    def propose(self, **changes: object) -> object:
        rule = DeductionRule.objects.get(campaign=self.campaign, code="no_interview")
        data = {
            "campaign": "yc-2018",
            "rule": rule.pk,
            "unit": self.gaj.pk,
            "date": "2018-05-02",
            "count": 2,
            "document_number": "银媒函〔2018〕3号",
            "evidence": "两次拒绝采访",
            "attachment": SimpleUploadedFile("记录.pdf", PDF),
            **changes,
        }
        return self.client.post("/console/oversight/deductions/new/?campaign=yc-2018", data)

    def test_proposed_signed_accepted_through_the_pages(self) -> None:
        self.client.force_login(self.reporter)
        self.assertEqual(self.propose().status_code, 302)  # type: ignore[attr-defined]
        deduction = Deduction.objects.get()
        self.assertEqual((deduction.status, deduction.count), (Review.PROPOSED, 2))
        # The member cannot sign: the button is not there and the step is refused.
        page = self.client.get("/console/oversight/deductions/?campaign=yc-2018")
        self.assertNotContains(page, ">签字</button>")
        # The head signs.
        self.client.force_login(self.editor)
        page = self.client.get("/console/oversight/deductions/?campaign=yc-2018")
        self.assertContains(page, ">签字</button>")
        self.client.post(f"/console/oversight/deductions/{deduction.pk}/sign/")
        # The organiser sees it in the queue, with its attachment, and accepts it.
        self.client.force_login(self.organiser)
        queue = self.client.get("/console/oversight/review/")
        self.assertContains(queue, "银媒函〔2018〕3号")
        attachment = self.client.get(f"/console/oversight/deductions/{deduction.pk}/attachment/")
        self.assertEqual(attachment.content, PDF)
        self.client.post(
            f"/console/oversight/deductions/{deduction.pk}/accept/",
            {"reason": "证据充分", "next": "/console/oversight/review/"},
        )
        deduction.refresh_from_db()
        self.assertEqual(deduction.status, Review.ACCEPTED)
        self.assertEqual(
            list(AuditEntry.objects.values_list("action", flat=True)),
            ["deduction.propose", "deduction.sign_off", "deduction.accept"],
        )

    def test_leader_sees_the_queue_without_buttons(self) -> None:
        self.client.force_login(self.leader)
        page = self.client.get("/console/oversight/review/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, ">采纳</button>")

    def test_reject_without_reason_is_refused_with_a_message(self) -> None:
        self.client.force_login(self.reporter)
        self.propose()
        deduction = Deduction.objects.get()
        self.client.force_login(self.editor)
        self.client.post(f"/console/oversight/deductions/{deduction.pk}/sign/")
        self.client.force_login(self.organiser)
        response = self.client.post(
            f"/console/oversight/deductions/{deduction.pk}/reject/", {"reason": ""}, follow=True
        )
        self.assertContains(response, "不采纳必须写明理由")
        deduction.refresh_from_db()
        self.assertEqual(deduction.status, Review.SIGNED_OFF)

    def test_bad_form_changes_nothing(self) -> None:
        self.client.force_login(self.reporter)
        response = self.propose(date="2018-02-30", count=0)
        self.assertEqual(response.status_code, 200)  # type: ignore[attr-defined]
        self.assertFalse(Deduction.objects.exists())

    def test_source_people_see_only_their_sources_deductions(self) -> None:
        self.client.force_login(self.reporter)
        self.propose()
        other = User.objects.create_user("discipline")
        Membership.objects.create(user=other, role=Role.SOURCE_MEMBER, source_code="jw")
        self.client.force_login(other)
        page = self.client.get("/console/oversight/deductions/?campaign=yc-2018")
        self.assertNotContains(page, "银媒函")
        deduction = Deduction.objects.get()
        url = f"/console/oversight/deductions/{deduction.pk}/attachment/"
        self.assertEqual(self.client.get(url).status_code, 404)


class VetoPagesTestCase(PagesTestCase):
    def propose_veto(self, source_code: str) -> object:
        rule = VetoRule.objects.get(campaign=self.campaign, code="case_filed")
        data = {
            "rule": rule.pk,
            "unit": self.gaj.pk,
            "date": "2018-07-09",
            "source_code": source_code,
            "document_number": "银纪立〔2018〕12号",
            "evidence": "窗口工作人员被立案审查",
        }
        return self.client.post("/console/oversight/vetoes/new/?campaign=yc-2018", data)

    def test_a_source_member_proposes_a_veto_that_waits_for_its_head(self) -> None:
        self.client.force_login(self.reporter)
        self.assertEqual(self.propose_veto("media").status_code, 302)  # type: ignore[attr-defined]
        veto = Veto.objects.get()
        self.assertEqual((veto.unit, veto.status), (self.gaj, Review.PROPOSED))
        self.assertEqual(AuditEntry.objects.get().action, "veto.propose")

    def test_a_member_cannot_propose_for_another_source(self) -> None:
        self.client.force_login(self.reporter)
        page = self.propose_veto("")  # the organiser's own entry, not offered to a member
        self.assertEqual(page.status_code, 200)  # type: ignore[attr-defined]
        self.assertFalse(Veto.objects.exists())


class InspectionPagesTestCase(PagesTestCase):
    def record_visit(self) -> Visit:
        self.client.force_login(self.inspector)
        response = self.client.post(
            "/console/oversight/inspections/visits/new/?campaign=yc-2018",
            {
                "campaign": "yc-2018",
                "unit": self.gaj_window.pk,
                "date": "2018-06-12",
                "kind": "covert",
                "findings": "窗口工作人员上班时间玩手机",
                "score": "72.5",
                "photos": [SimpleUploadedFile("p1.png", PNG, content_type="image/png")],
            },
        )
        self.assertEqual(response.status_code, 302)
        return Visit.objects.get()

    def test_visit_with_photo_and_the_unit_never_sees_the_inspector(self) -> None:
        visit = self.record_visit()
        self.assertEqual((visit.inspector, str(visit.score)), (self.inspector, "72.50"))
        photo = visit.photos.get()
        self.assertEqual(
            self.client.get(f"/console/oversight/inspections/photos/{photo.pk}/").status_code, 200
        )
        # The liaison of gaj reads the window's findings in the portal, without a name.
        self.client.force_login(self.liaison)
        page = self.client.get("/console/portal/gaj-w1/").content.decode()
        self.assertIn("窗口工作人员上班时间玩手机", page)
        self.assertNotIn("inspector-zhao", page)
        self.assertEqual(
            self.client.get(f"/console/oversight/inspections/visits/{visit.pk}/").status_code,
            403,
        )
        self.assertEqual(
            self.client.get(f"/console/oversight/inspections/photos/{photo.pk}/").status_code,
            403,
        )

    def test_another_inspector_cannot_open_the_visit(self) -> None:
        visit = self.record_visit()
        other = User.objects.create_user("inspector-qian")
        Membership.objects.create(user=other, role=Role.INSPECTOR)
        self.client.force_login(other)
        url = f"/console/oversight/inspections/visits/{visit.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_non_image_photo_is_refused(self) -> None:
        self.client.force_login(self.inspector)
        response = self.client.post(
            "/console/oversight/inspections/visits/new/?campaign=yc-2018",
            {
                "unit": self.gaj.pk,
                "date": "2018-06-12",
                "kind": "covert",
                "findings": "无",
                "photos": [
                    SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
                ],
            },
        )
        self.assertContains(response, "只能上传图片(JPG、PNG、WebP)文件")
        self.assertFalse(Visit.objects.exists())

    def test_plan_and_contact_card(self) -> None:
        self.client.force_login(self.inspector)
        self.client.post(
            "/console/oversight/inspections/plans/new/?campaign=yc-2018",
            {
                "unit": self.gaj.pk,
                "year": 2018,
                "quarter": 3,
                "kind": "covert",
                "focus": "窗口纪律",
            },
        )
        self.client.post(
            "/console/oversight/inspections/cards/new/",
            {"unit": self.gaj.pk, "contact_name": "李科长", "contact_phone": "0951-1234567"},
        )
        page = self.client.get("/console/oversight/inspections/?campaign=yc-2018")
        self.assertContains(page, "2018年第3季度")
        self.assertContains(page, "李科长")
        card = ContactCard.objects.get()
        self.assertEqual(card.inspector, self.inspector)

    def test_finding_becomes_a_case(self) -> None:
        visit = self.record_visit()
        response = self.client.post(
            f"/console/oversight/inspections/visits/{visit.pk}/case/", follow=True
        )
        visit.refresh_from_db()
        self.assertTrue(visit.case_reference)
        self.assertContains(response, f"已转为问题线索 {visit.case_reference}")
        from minping.cases.models import Case

        case = Case.objects.get(number=visit.case_reference)
        self.assertEqual((case.unit, case.source), (self.gaj_window, "inspection"))
        # A second press does not make a second case.
        response = self.client.post(
            f"/console/oversight/inspections/visits/{visit.pk}/case/", follow=True
        )
        self.assertContains(response, "已转为问题线索")
        self.assertEqual(Case.objects.count(), 1)
