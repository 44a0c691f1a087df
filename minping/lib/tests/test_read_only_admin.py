"""Django's admin writes no audit entry, so it may look at everything and change nothing."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory

from minping.audit.models import AuditEntry
from minping.campaigns.models import MethodScore
from minping.orgs.models import Membership, Role
from minping.scoring.tests.db import make_campaign, score
from minping.test import BaseTestCase


class ReadOnlyAdminTest(BaseTestCase):
    def test_no_model_admin_lets_a_superuser_add_change_delete_or_run_actions(self) -> None:
        request = RequestFactory().post("/admin/")
        request.user = self.organiser  # a superuser
        writable = []
        for model, model_admin in admin.site._registry.items():
            label = model._meta.label
            for obj in (None, model()):
                if model_admin.has_change_permission(request, obj):
                    writable.append(f"{label}: change")
                if model_admin.has_delete_permission(request, obj):
                    writable.append(f"{label}: delete")
            if model_admin.has_add_permission(request):
                writable.append(f"{label}: add")
            if model_admin.get_actions(request):
                writable.append(f"{label}: actions {sorted(model_admin.get_actions(request))}")
            for inline_class in model_admin.inlines:
                inline = inline_class(model, admin.site)
                for permission in ("add", "change", "delete"):
                    if getattr(inline, f"has_{permission}_permission")(request, None):
                        writable.append(f"{label}: inline {inline.model._meta.label} {permission}")
        self.assertEqual(writable, [])
        # The walk covered the models an outside probe changed, and Django's users.
        for model in (Membership, MethodScore, User):
            self.assertIn(model, admin.site._registry)

    def test_posting_a_membership_change_changes_nothing(self) -> None:
        # The probe's attack: a liaison made an organiser through /admin/, unaudited.
        self.client.force_login(self.organiser)
        membership = Membership.objects.get(user=self.liaison)
        url = f"/admin/orgs/membership/{membership.pk}/"
        self.assertEqual(self.client.get(f"{url}change/").status_code, 200)  # still readable
        data = {"user": self.liaison.pk, "role": Role.ORGANISER, "unit": "", "source_code": ""}
        self.assertEqual(self.client.post(f"{url}change/", data).status_code, 403)
        self.assertEqual(self.client.post("/admin/orgs/membership/add/", data).status_code, 403)
        self.assertEqual(self.client.post(f"{url}delete/", {"post": "yes"}).status_code, 403)
        self.client.post(
            "/admin/orgs/membership/",
            {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
        )
        membership.refresh_from_db()
        self.assertEqual((membership.role, membership.unit), (Role.LIAISON, self.gaj))
        self.assertEqual(Membership.objects.count(), 3)
        self.assertEqual(AuditEntry.objects.count(), 0)

    def test_posting_a_method_score_change_changes_nothing(self) -> None:
        campaign = make_campaign("yc-2018")
        score(campaign, self.gaj, "61.5")
        method_score = MethodScore.objects.get()
        self.client.force_login(self.organiser)
        response = self.client.post(
            f"/admin/campaigns/methodscore/{method_score.pk}/change/",
            {
                "campaign": campaign.pk,
                "method": method_score.method_id,
                "unit": self.gaj.pk,
                "score": "99",
            },
        )
        self.assertEqual(response.status_code, 403)
        method_score.refresh_from_db()
        self.assertEqual(str(method_score.score), "61.5000")

    def test_a_user_cannot_be_made_superuser_or_given_a_password_in_the_admin(self) -> None:
        self.client.force_login(self.organiser)
        url = f"/admin/auth/user/{self.liaison.pk}/"
        response = self.client.post(
            f"{url}change/",
            {"username": "liaison", "is_active": "on", "is_staff": "on", "is_superuser": "on"},
        )
        self.assertEqual(response.status_code, 403)
        response = self.client.post(
            f"{url}password/", {"password1": "new-pass-word-1", "password2": "new-pass-word-1"}
        )
        self.assertEqual(response.status_code, 403)
        self.liaison.refresh_from_db()
        self.assertFalse(self.liaison.is_superuser or self.liaison.is_staff)
        self.assertTrue(self.liaison.check_password("password-liaison"))

    def test_the_calendar_is_read_only_here(self) -> None:
        # Editing working days changes case deadlines: it needs an audited page of its own.
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get("/admin/lib/calendarday/").status_code, 200)
        self.assertEqual(self.client.get("/admin/lib/calendarday/add/").status_code, 403)


class AdminSignInTest(BaseTestCase):
    def test_admin_sign_in_goes_to_the_sites_own_page(self) -> None:
        # The admin's own form would skip the authenticator code of /login/.
        response = self.client.get("/admin/login/", {"next": "/admin/orgs/unit/"})
        self.assertRedirects(
            response, "/login/?next=/admin/orgs/unit/", fetch_redirect_response=False
        )
        response = self.client.post(
            "/admin/login/", {"username": "organiser", "password": "password-organiser"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_signed_in_non_staff_is_refused_not_looped(self) -> None:
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get("/admin/login/").status_code, 403)

    def test_admin_password_change_goes_to_the_audited_page(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.get("/admin/password_change/")
        self.assertRedirects(response, "/console/password/", fetch_redirect_response=False)
