"""The organiser console through its pages: definitions, requirements, monitor, results, users."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyotp
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign, Method, MethodScore
from minping.console.tests.fixtures import WALK_TOML
from minping.lib.tests import upload_fixtures
from minping.orgs.models import Membership, Role, TemporaryPassword, TOTPDevice, Unit
from minping.oversight.models import Submission, SubmissionKind, SubmissionRequirement
from minping.scoring.models import ResultSnapshot
from minping.test import BaseTestCase, UploadsTestCase


class DefinitionPagesTestCase(UploadsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_upload_creates_the_campaign(self) -> None:
        upload = SimpleUploadedFile("walk.toml", WALK_TOML.encode())
        response = self.client.post("/console/campaigns/new/", {"file": upload})
        self.assertRedirects(response, "/console/c/walk-2026/", fetch_redirect_response=False)
        campaign = Campaign.objects.get(code="walk-2026")
        self.assertEqual(campaign.stages.get().title, "自查自纠")
        page = self.client.get("/console/c/walk-2026/")
        self.assertContains(page, "自查自纠")
        self.assertContains(page, "已创建评议活动 walk-2026")
        self.assertTrue(AuditEntry.objects.filter(action="campaign.load").exists())

    def test_bad_definition_lists_lines_and_changes_nothing(self) -> None:
        # November has 30 days (the Yinchuan document's own mistake), and weights must sum to 100.
        text = WALK_TOML.replace("to = 2026-11-30", "to = 2026-11-31").replace(
            "weight = 100", "weight = 90"
        )
        response = self.client.post("/console/campaigns/new/", {"text": text})
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        # "to = 2026-11-31" is line 19 of WALK_TOML; the weights belong to [[methods]] on line 11.
        self.assertIn("第 19 行:2026-11-31 不是有效日期", body)
        self.assertIn("第 11 行:评议方法的权重(weight)合计应为 100", body)
        self.assertIn("未作任何改动", body)
        self.assertFalse(Campaign.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_edit_form_applies_the_same_checks(self) -> None:
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})
        changed = WALK_TOML.replace('title = "自查自纠"', 'title = "自查自纠阶段"')
        response = self.client.post("/console/c/walk-2026/definition/", {"text": changed})
        self.assertRedirects(response, "/console/c/walk-2026/")
        self.assertEqual(Campaign.objects.get().stages.get().title, "自查自纠阶段")
        other = WALK_TOML.replace('code = "walk-2026"', 'code = "other-2026"')
        response = self.client.post("/console/c/walk-2026/definition/", {"text": other})
        self.assertContains(response, "与本活动代码 walk-2026 不同")
        self.assertEqual(Campaign.objects.count(), 1)

    def test_empty_form_says_what_to_do(self) -> None:
        response = self.client.post("/console/campaigns/new/", {"text": "  "})
        self.assertContains(response, "请上传定义文件")

    def test_leader_reads_but_cannot_edit(self) -> None:
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})
        self.client.force_login(self.leader)
        page = self.client.get("/console/c/walk-2026/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "修改定义")
        self.assertEqual(self.client.get("/console/c/walk-2026/definition/").status_code, 403)


class RequirementsAndMonitorTestCase(UploadsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})
        self.campaign = Campaign.objects.get()

    def add(self, kind: str, title: str, due: str) -> SubmissionRequirement:
        data = {"kind": kind, "title": title, "due": due}
        self.client.post("/console/c/walk-2026/requirements/", data)
        return SubmissionRequirement.objects.get(title=title)

    def test_late_and_missing_submissions_show_to_the_organiser(self) -> None:
        today = timezone.localdate()
        past = (today - datetime.timedelta(days=3)).isoformat()
        future = (today + datetime.timedelta(days=30)).isoformat()
        report = self.add(SubmissionKind.SELF_INSPECTION, "自查报告", past)
        contact = self.add(SubmissionKind.CONTACT, "联络人", past)
        self.add(SubmissionKind.SUMMARY, "总结报告", future)
        # The liaison of gaj hands in the report (late: its deadline was 3 days ago)
        # and never the contact person.
        self.client.force_login(self.liaison)
        upload = SimpleUploadedFile("自查报告.docx", upload_fixtures.docx_file())
        response = self.client.post(
            f"/console/portal/gaj/submit/{report.pk}/", {"file": upload}, follow=True
        )
        self.assertContains(response, "已超过截止日期")
        # A text requirement refuses an empty text and stores nothing.
        response = self.client.post(f"/console/portal/gaj/submit/{contact.pk}/", {"text": " "})
        self.assertFalse(Submission.objects.filter(requirement=contact).exists())
        self.client.force_login(self.organiser)
        page = self.client.get("/console/c/walk-2026/monitor/").content.decode()
        gaj_row = page[page.index("公安局") :].split("</tr>")[0]
        self.assertIn("逾期报送", gaj_row)
        self.assertIn("逾期未报", gaj_row)
        self.assertIn("未到期", gaj_row)
        self.assertIn('<td class="num"><span class="status missing">缺</span>', gaj_row)

    def test_bad_requirement_changes_nothing(self) -> None:
        response = self.client.post(
            "/console/c/walk-2026/requirements/",
            {"kind": "contact", "title": "联络人", "due": "2026-02-30"},
            follow=True,
        )
        self.assertContains(response, "截止日期")
        self.assertFalse(SubmissionRequirement.objects.exists())

    def test_another_units_liaison_cannot_submit_for_gaj(self) -> None:
        contact = self.add(SubmissionKind.CONTACT, "联络人", "2026-06-22")
        water_liaison = User.objects.create_user("water-liaison")
        Membership.objects.create(user=water_liaison, role=Role.LIAISON, unit=self.water)
        self.client.force_login(water_liaison)
        response = self.client.post(f"/console/portal/gaj/submit/{contact.pk}/", {"text": "x"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Submission.objects.exists())


class ResultsPagesTestCase(UploadsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})
        self.campaign = Campaign.objects.get()

    def test_incomplete_results_cannot_be_published(self) -> None:
        response = self.client.post("/console/c/walk-2026/results/compute/", follow=True)
        self.assertContains(response, "暂不能发布")
        self.assertContains(response, "公安局:领导评议 —— 缺少录入得分")
        snapshot = ResultSnapshot.objects.get()
        response = self.client.post(
            f"/console/c/walk-2026/results/{snapshot.pk}/publish/", follow=True
        )
        self.assertContains(response, "结果不能发布")
        self.assertIsNone(Campaign.objects.get().published_at)

    def test_complete_results_are_published_and_the_unit_sees_its_own(self) -> None:
        leaders = Method.objects.get(campaign=self.campaign, code="leaders")
        for unit, score in ((self.gaj, "88"), (self.water, "70")):
            MethodScore.objects.create(
                campaign=self.campaign, method=leaders, unit=unit, score=Decimal(score)
            )
        # water is in "industries", which this campaign does not rank: only gaj is ranked.
        self.client.post("/console/c/walk-2026/results/compute/")
        snapshot = ResultSnapshot.objects.get()
        self.client.post(f"/console/c/walk-2026/results/{snapshot.pk}/publish/")
        self.assertIsNotNone(Campaign.objects.get().published_at)
        self.client.force_login(self.liaison)
        page = self.client.get("/console/portal/gaj/c/walk-2026/")
        # gaj: 88 × 100 / 100 = 88.00, alone in its group → rank 1, excellent (excellent = 1).
        self.assertContains(page, "88.00")
        self.assertContains(page, "第 1 名")
        self.assertContains(page, "优秀")
        # publish = false, so the public still sees nothing.
        self.client.logout()
        self.assertNotEqual(self.client.get("/c/walk-2026/").status_code, 200)


class EligibilityPagesTestCase(UploadsTestCase):
    def test_withdrawn_unit_loses_excellent_and_the_table_says_so(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})
        campaign = Campaign.objects.get()
        mzj = Unit.objects.create(code="mzj", name="民政局", group=self.agencies)
        leaders = Method.objects.get(campaign=campaign, code="leaders")
        for unit, score in ((self.gaj, "88"), (mzj, "80")):
            MethodScore.objects.create(
                campaign=campaign, method=leaders, unit=unit, score=Decimal(score)
            )
        response = self.client.post(
            "/console/c/walk-2026/eligibility/", {"unit": "nosuch", "reason": "拉票"}
        )
        self.assertContains(response, "请从列表中选择单位")
        self.client.post("/console/c/walk-2026/eligibility/", {"unit": "gaj", "reason": "组织拉票"})
        self.client.post("/console/c/walk-2026/results/compute/")
        # gaj 88 is first but ineligible; excellent = 1 passes to mzj 80. unsatisfactory = 1:
        # the lowest not already excellent is gaj itself (only two units).
        units = {u["unit"]: u for u in ResultSnapshot.objects.get().results["units"]}
        self.assertEqual((units["gaj"]["rank"], units["gaj"]["eligible"]), (1, False))
        self.assertEqual(units["mzj"]["grade"], "excellent")
        self.assertContains(self.client.get("/c/walk-2026/"), "取消评优资格")


class UsersTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_create_grant_reset_and_revoke(self) -> None:
        response = self.client.post("/console/users/", {"username": "wang", "full_name": "王五"})
        wang = User.objects.get(username="wang")
        self.assertRedirects(response, f"/console/users/{wang.pk}/", fetch_redirect_response=False)
        page = self.client.get(f"/console/users/{wang.pk}/").content.decode()
        password = page.split('id="one-time-password">')[1].split("<")[0]
        self.assertTrue(
            wang.check_password(password) or User.objects.get(pk=wang.pk).check_password(password)
        )
        # Shown once only.
        self.assertNotIn(
            "one-time-password", self.client.get(f"/console/users/{wang.pk}/").content.decode()
        )
        # A liaison needs a unit.
        response = self.client.post(f"/console/users/{wang.pk}/", {"role": "liaison"})
        self.assertContains(response, "单位联络员必须指定单位")
        self.client.post(f"/console/users/{wang.pk}/", {"role": "liaison", "unit": "gaj"})
        membership = Membership.objects.get(user=wang)
        self.assertEqual((membership.role, membership.unit), (Role.LIAISON, self.gaj))
        self.client.post(f"/console/users/{wang.pk}/password/")
        page = self.client.get(f"/console/users/{wang.pk}/").content.decode()
        new_password = page.split('id="one-time-password">')[1].split("<")[0]
        self.assertNotEqual(new_password, password)
        self.assertTrue(User.objects.get(pk=wang.pk).check_password(new_password))
        self.client.post(f"/console/users/{wang.pk}/roles/{membership.pk}/revoke/")
        self.assertFalse(Membership.objects.filter(user=wang).exists())
        actions = list(AuditEntry.objects.values_list("action", flat=True))
        self.assertEqual(
            actions, ["user.create", "role.grant", "user.reset_password", "role.revoke"]
        )
        # Passwords never go into the log.
        for entry in AuditEntry.objects.all():
            self.assertNotIn(new_password, str(entry.detail))

    def test_organiser_cannot_revoke_own_organiser_role(self) -> None:
        own = Membership.objects.get(user=self.organiser, role=Role.ORGANISER)
        response = self.client.post(
            f"/console/users/{self.organiser.pk}/roles/{own.pk}/revoke/", follow=True
        )
        self.assertContains(response, "不能撤销自己的组织单位角色")
        self.assertTrue(Membership.objects.filter(pk=own.pk).exists())


class TOTPTestCase(BaseTestCase):
    def test_enrol_then_sign_in_needs_the_code(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post("/console/totp/", {"begin": "1"})
        device = TOTPDevice.objects.get(user=self.organiser)
        response = self.client.post("/console/totp/", {"code": "000000"})
        self.assertContains(response, "验证码不正确")
        code = pyotp.TOTP(device.secret).now()
        response = self.client.post("/console/totp/", {"code": code}, follow=True)
        self.assertContains(response, "已启用")
        self.client.logout()
        login = {"username": "organiser", "password": "password-organiser"}
        response = self.client.post("/login/", login)
        self.assertContains(response, "此账号已启用动态口令")
        self.assertNotIn("_auth_user_id", self.client.session)
        # The code used to confirm cannot be replayed.
        response = self.client.post("/login/", {**login, "otp": code})
        self.assertContains(response, "动态口令不正确或已使用过")
        device.refresh_from_db()
        later = pyotp.TOTP(device.secret).at(timezone.now() + datetime.timedelta(seconds=30))
        response = self.client.post("/login/", {**login, "otp": later})
        self.assertEqual(response.status_code, 302)
        self.assertIn("_auth_user_id", self.client.session)

    def test_accounts_without_totp_sign_in_with_password_only(self) -> None:
        response = self.client.post(
            "/login/", {"username": "leader", "password": "password-leader"}
        )
        self.assertEqual(response.status_code, 302)


class CommitmentsTestCase(UploadsTestCase):
    def test_commitments_are_public_on_the_hall_screen(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})
        self.client.post(
            "/console/c/walk-2026/requirements/",
            {"kind": "commitments", "title": "公开承诺", "due": "2099-05-10"},
        )
        requirement = SubmissionRequirement.objects.get()
        self.client.force_login(self.liaison)
        self.client.post(
            f"/console/portal/gaj/submit/{requirement.pk}/", {"text": "办事不超过一个工作日"}
        )
        self.client.logout()
        page = self.client.get("/c/walk-2026/commitments/")
        self.assertContains(page, "公安局")
        self.assertContains(page, "办事不超过一个工作日")


class PasswordChangeTestCase(BaseTestCase):
    def test_liaison_replaces_the_one_time_password(self) -> None:
        self.client.force_login(self.liaison)
        response = self.client.post(
            "/console/password/",
            {
                "old_password": "password-liaison",
                "new_password1": "Ningxia-window-2026",
                "new_password2": "Ningxia-window-2026",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(User.objects.get(pk=self.liaison.pk).check_password("Ningxia-window-2026"))
        self.assertTrue(AuditEntry.objects.filter(action="user.change_password").exists())
        # Still signed in after the change.
        self.assertEqual(self.client.get("/console/").status_code, 200)

    def test_wrong_old_password_changes_nothing(self) -> None:
        self.client.force_login(self.liaison)
        response = self.client.post(
            "/console/password/",
            {
                "old_password": "nope",
                "new_password1": "Abc-12345-x",
                "new_password2": "Abc-12345-x",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(User.objects.get(pk=self.liaison.pk).check_password("password-liaison"))

    def test_a_temporary_password_must_be_replaced_before_anything_else(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post("/console/users/", {"username": "zhao", "full_name": "赵六"})
        zhao = User.objects.get(username="zhao")
        page = self.client.get(f"/console/users/{zhao.pk}/").content.decode()
        given = page.split('id="one-time-password">')[1].split("<")[0]
        self.client.post(f"/console/users/{zhao.pk}/", {"role": "liaison", "unit": "gaj"})
        self.client.logout()
        signed_in = self.client.post("/login/", {"username": "zhao", "password": given})
        self.assertEqual(signed_in.status_code, 302)
        # Every page that needs a role leads to the password change.
        for path in ("/console/", "/cases/", f"/console/portal/{self.gaj.code}/"):
            response = self.client.get(path)
            self.assertRedirects(response, "/console/password/", fetch_redirect_response=False)
        held = self.client.get("/console/password/")
        self.assertContains(held, "您正在使用组织单位发放的临时密码")
        # Public pages stay open (a liaison may still rate a window as a citizen).
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertEqual(self.client.get("/cases/report/").status_code, 200)
        changed = self.client.post(
            "/console/password/",
            {
                "old_password": given,
                "new_password1": "Zhao-liaison-2026",
                "new_password2": "Zhao-liaison-2026",
            },
        )
        self.assertRedirects(changed, "/console/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/console/").status_code, 200)
        self.assertFalse(TemporaryPassword.objects.filter(user=zhao).exists())
        # A reset makes the password temporary again; the next sign-in is held the same way.
        self.client.force_login(self.organiser)
        self.client.post(f"/console/users/{zhao.pk}/password/")
        self.assertTrue(TemporaryPassword.objects.filter(user=zhao).exists())
        self.client.force_login(zhao)
        self.assertRedirects(
            self.client.get("/console/"), "/console/password/", fetch_redirect_response=False
        )

    def test_accounts_without_a_temporary_password_are_not_held(self) -> None:
        self.client.post("/login/", {"username": "liaison", "password": "password-liaison"})
        self.assertEqual(self.client.get("/console/").status_code, 200)
