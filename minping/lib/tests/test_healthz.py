from django.test import TestCase


class HealthzTest(TestCase):
    def test_answers_ok_without_signing_in(self) -> None:
        response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.content), (200, b"ok"))
        self.assertIn("no-cache", response["Cache-Control"])
