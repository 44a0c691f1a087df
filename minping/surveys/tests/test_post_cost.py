"""What one invitation POST costs the database, so the cost cannot creep back unnoticed."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minping.lib.tests.import_fixtures import make_campaign
from minping.surveys.models import Answer, Ballot, Invitation, SubmissionKey
from minping.surveys.tests.helpers import form_for, issue, open_collection
from minping.test import BaseTestCase

# One invitation POST, every statement named (docs/performance.md, "HTTP ballot benchmark"):
#   1 SELECT the invitation with its campaign, method, unit and collection settings
#   2 SELECT the newest questionnaire of the method
#   3 SELECT the campaign's indicator and level ids (one UNION)
#   4 INSERT the form key … ON CONFLICT DO NOTHING
#   5 UPDATE the invitation (used = true where unused and unexpired)
#   6 INSERT the ballot
#   7 INSERT its answers
# In a real request 4–7 run between BEGIN and COMMIT, which Django does not capture; inside
# a TestCase the transaction is a SAVEPOINT … RELEASE, which it does: 7 + 2. It was 19 + 2.
POST_QUERIES = 9


class InvitationPostCostTest(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = make_campaign("cost-2026", year=2026)
        self.questionnaire = open_collection(self.campaign)
        self.url = reverse(
            "surveys:invitation", args=[issue(self.questionnaire.method, unit=self.gaj)[0].token]
        )

    def test_one_invitation_post_runs_seven_queries_plus_the_transaction_and_stores_the_ballot(
        self,
    ) -> None:
        form = form_for(self.questionnaire)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(self.url, form)
        self.assertRedirects(response, reverse("surveys:thanks"), fetch_redirect_response=False)
        listed = "\n".join(q["sql"][:120] for q in queries.captured_queries)
        self.assertEqual(len(queries.captured_queries), POST_QUERIES, listed)
        # Fewer statements, same effect: one ballot, three answers, the key, the invitation used.
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(Answer.objects.count(), 3)
        self.assertTrue(SubmissionKey.objects.filter(key=form["key"]).exists())
        self.assertTrue(Invitation.objects.get().used)

    def test_a_retry_costs_little_and_stores_nothing(self) -> None:
        form = form_for(self.questionnaire)
        self.client.post(self.url, form)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(self.url, form)
        self.assertRedirects(response, reverse("surveys:thanks"), fetch_redirect_response=False)
        # The invitation (now used), then the key is found taken: two queries, nothing written.
        self.assertEqual(len(queries.captured_queries), 2)
        self.assertEqual(Ballot.objects.count(), 1)
