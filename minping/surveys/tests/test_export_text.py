"""The CSV and Excel copies of newly issued invitations keep the holders' names as text."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from minping.lib.tests.import_fixtures import make_campaign
from minping.lib.tests.sheet_checks import ATTACKS, SheetAssertions
from minping.surveys.questionnaires import settings_for
from minping.surveys.tests.helpers import open_collection
from minping.surveys.tests.test_pages import embedded
from minping.test import BaseTestCase

# The holder list splits lines at commas, so the link formula here has none.
NAMES = ['=HYPERLINK("http://x")', *ATTACKS[1:4]]


class IssuedCopiesTest(BaseTestCase, SheetAssertions):
    def test_the_issued_csv_and_xlsx_hold_no_formula(self) -> None:
        cache.clear()
        campaign = make_campaign("org-2026", year=2026)
        method = campaign.methods.get(code="third_party")
        settings = settings_for(method)
        settings.channels = ["invitation"]
        settings.save()
        open_collection(campaign)
        self.client.force_login(self.organiser)
        expires = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
        holders = "".join(f"{name},1380000000{n}\n" for n, name in enumerate(NAMES))
        page = self.client.post(
            reverse("surveys:invite", args=[campaign.code, "third_party"]),
            {"holders": holders, "expires": expires},
        )
        self.assertContains(page, f"已生成 {len(NAMES)} 个邀请码")
        self.assertTextOnly(embedded(page.text, "邀请码.xlsx"), NAMES)
        self.assertCsvTextOnly(embedded(page.text, "邀请码.csv").decode("utf-8-sig"), NAMES)
