"""Hiding small per-category counts so that no respondent can be recognised."""

from __future__ import annotations

from django.test import SimpleTestCase

from minping.surveys.breakdown import suppress


class SuppressTest(SimpleTestCase):
    def test_cells_below_the_threshold_are_hidden_zeros_are_not(self) -> None:
        counts = {"办事群众": 12, "农村居民": 3, "机关干部": 2, "市场主体": 0}
        self.assertEqual(
            suppress(counts, 5),
            {"办事群众": 12, "农村居民": None, "机关干部": None, "市场主体": 0},
        )

    def test_a_lone_hidden_cell_takes_the_next_smallest_with_it(self) -> None:
        # Total 20 is shown: with only 农村居民 hidden it would be 20 − 9 − 8 = 3.
        counts = {"办事群众": 9, "企业办事人员": 8, "农村居民": 3}
        self.assertEqual(
            suppress(counts, 5), {"办事群众": 9, "企业办事人员": None, "农村居民": None}
        )

    def test_the_threshold_itself_is_shown(self) -> None:
        self.assertEqual(suppress({"a": 5, "b": 5}, 5), {"a": 5, "b": 5})
