"""Interviewer entry (R-11): ballots say how they were collected, never who typed them."""

from __future__ import annotations

from django.contrib.auth.models import User

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Membership, Role
from minping.surveys.models import Ballot, Channel, InterviewerTally
from minping.surveys.tests.helpers import form_for, open_collection
from minping.test import BaseTestCase


class InterviewerEntryTest(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = make_campaign("enter-2026", year=2026)
        self.questionnaire = open_collection(self.campaign, channels=[Channel.INTERVIEWER])
        self.interviewer = User.objects.create_user("fangwen", password="x")
        Membership.objects.create(user=self.interviewer, role=Role.INTERVIEWER)
        self.client.force_login(self.interviewer)
        self.url = f"/s/enter/{self.campaign.code}/third_party/"

    def post(self, channel: str, key: str) -> int:
        data = form_for(self.questionnaire, key=key, unit=self.gaj.code, channel=channel)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url, data).status_code

    def test_paper_and_phone_ballots_are_marked_and_counted_per_day(self) -> None:
        self.assertContains(self.client.get("/s/enter/"), self.campaign.title)
        self.assertEqual(self.post("paper", "p" * 32), 302)
        self.assertEqual(self.post("phone_interview", "q" * 32), 302)
        # The same form posted again (a double click) stores nothing new.
        self.assertEqual(self.post("paper", "p" * 32), 302)
        channels = sorted(Ballot.objects.values_list("channel", flat=True))
        self.assertEqual(channels, ["paper", "phone_interview"])
        tally = InterviewerTally.objects.get()
        self.assertEqual((tally.user, tally.ballots), (self.interviewer, 2))
        self.assertContains(self.client.get(self.url + "?saved=1"), "已保存一份答卷")

    def test_bad_entries_are_explained_and_nothing_stored(self) -> None:
        data = form_for(self.questionnaire, key="r" * 32, unit="nowhere", channel="fax")
        response = self.client.post(self.url, data)
        self.assertContains(response, "请选择被评议的单位", status_code=400)
        self.assertContains(response, "请选择问卷来源", status_code=400)
        data = form_for(self.questionnaire, key="r" * 32, unit=self.gaj.code, channel="paper")
        del data[f"u0-{self.questionnaire.indicator_codes[0]}"]
        self.assertEqual(self.client.post(self.url, data).status_code, 400)
        self.assertEqual(Ballot.objects.count(), 0)

    def test_a_method_without_interviewer_entry_is_closed_to_it(self) -> None:
        open_collection(self.campaign, channels=[Channel.WINDOW])
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.post("paper", "s" * 32), 403)
        self.assertEqual(Ballot.objects.count(), 0)
