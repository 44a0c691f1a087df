from minping.test import BaseTestCase


class ReadOnlyAdminTest(BaseTestCase):
    def test_reviewed_records_cannot_be_added_or_changed_in_the_admin(self) -> None:
        # Deductions change only through the audited review actions, even for a superuser.
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get("/admin/oversight/deduction/").status_code, 200)
        self.assertEqual(self.client.get("/admin/oversight/deduction/add/").status_code, 403)

    def test_the_calendar_stays_editable(self) -> None:
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get("/admin/lib/calendarday/add/").status_code, 200)
