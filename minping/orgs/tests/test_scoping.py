"""The scoping helpers every view relies on (DESIGN principle 3)."""

from __future__ import annotations

from minping.orgs.access import scope_to_units, visible_unit_ids, visible_units
from minping.orgs.models import Unit
from minping.test import BaseTestCase


class ScopingTest(BaseTestCase):
    def test_a_liaison_sees_the_unit_and_its_window_only(self) -> None:
        self.assertEqual(
            sorted(visible_units(self.liaison).values_list("code", flat=True)), ["gaj", "gaj-w1"]
        )
        scoped = scope_to_units(Unit.objects.filter(parent__isnull=False), self.liaison, "parent")
        self.assertEqual([u.code for u in scoped], ["gaj-w1"])

    def test_organisers_and_leaders_see_everything_and_outsiders_nothing(self) -> None:
        self.assertIsNone(visible_unit_ids(self.organiser))
        self.assertIsNone(visible_unit_ids(self.leader))
        self.assertEqual(visible_unit_ids(self.outsider), set())

    def test_the_tree_is_read_once_per_user_object(self) -> None:
        visible_unit_ids(self.liaison)  # roles and units read and kept on the user
        with self.assertNumQueries(0):
            visible_unit_ids(self.liaison)
