"""Draws from a pool in the database: reproducible from the seed, one per round, redraws audited."""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.lib.errors import InvalidInput
from minping.panels.actions import (
    DrawPlan,
    do_import_pool,
    do_issue_from_draw,
    do_make_draw,
    do_redraw,
)
from minping.panels.models import Draw, DrawMember, DrawStratum
from minping.panels.tests.helpers import (
    HEADER,
    collecting_campaign,
    draw,
    fill_pool,
    phone,
    units,
    write_csv,
)
from minping.test import BaseTestCase


def members(d: Draw) -> list[tuple[int, str, bool, int]]:
    """(respondent, category, reserve, position) of every person drawn, in a fixed order."""
    return list(
        DrawMember.objects.filter(stratum__draw=d)
        .order_by("stratum__unit_id", "stratum__category", "reserve", "position")
        .values_list("respondent_id", "stratum__category", "reserve", "position")
    )


class DrawTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.dir = Path(folder.name)
        self.campaign, self.method = collecting_campaign(rounds=2)
        # Two units taking part (公安局, 水务集团), 40 people each, two categories each.
        people = [
            (
                phone(i),
                f"人{i}",
                "办事群众" if i % 2 else "企业办事人员",
                "公安局" if i < 40 else "水务集团",
            )
            for i in range(80)
        ]
        self.pool = fill_pool(self.dir, self.campaign, people)

    def test_the_same_seed_gives_the_same_sample(self) -> None:
        first = draw(self.method, self.pool, per_stratum=5, reserve_percent=40, seed=424242)
        drawn = members(first)
        # 4 strata × (5 sample + 2 reserve): ceil(5 × 40%) = 2.
        self.assertEqual(len(drawn), 28)
        self.assertEqual((first.sample_size, first.reserve_size), (20, 8))
        again = do_redraw(self.organiser, first, reason="核对种子", seed=424242)
        self.assertEqual(members(again), drawn)
        self.assertEqual(again.frame_digest, first.frame_digest)
        third = do_redraw(self.organiser, again, reason="换一个种子", seed=424243)
        self.assertNotEqual(members(third), drawn)

    def test_a_redraw_needs_a_reason_and_is_audited(self) -> None:
        first = draw(self.method, self.pool, per_stratum=5)
        with self.assertRaises(InvalidInput):
            do_redraw(self.organiser, first, reason="  ")
        first.refresh_from_db()
        self.assertTrue(first.in_force)
        second = do_redraw(self.organiser, first, reason="名单中有 3 个空号,已删除")
        first.refresh_from_db()
        self.assertFalse(first.in_force)
        self.assertEqual(first.replaced_by, second)
        entry = AuditEntry.objects.get(action="draw.redraw")
        self.assertEqual(entry.detail["reason"], "名单中有 3 个空号,已删除")
        self.assertEqual(entry.detail["old_seed"], first.seed)
        self.assertEqual(entry.detail["seed"], second.seed)
        self.assertTrue(AuditEntry.objects.filter(action="draw.make").exists())

    def test_one_draw_per_round_and_no_redraw_after_invitations(self) -> None:
        first = draw(self.method, self.pool, per_stratum=2)
        with self.assertRaises(InvalidInput) as caught:
            draw(self.method, self.pool, per_stratum=2)
        self.assertIn("第 1 轮已经抽过样", caught.exception.lines()[0])
        with self.assertRaises(InvalidInput):
            draw(self.method, self.pool, per_stratum=2, round=3)  # the method has two rounds
        do_issue_from_draw(
            self.organiser,
            first,
            expires=timezone.localdate() + datetime.timedelta(days=20),
            issuer="区纠风办",
            verify_phone="0951-6012345",
        )
        with self.assertRaises(InvalidInput) as caught:
            do_redraw(self.organiser, first, reason="想换一批人")
        self.assertIn("已按这次抽样发出邀请", caught.exception.lines()[0])

    def test_the_second_round_draws_among_those_not_yet_asked(self) -> None:
        # Seed 003: two rounds of random respondents; a person has one invitation a campaign.
        plan = {"allocation": Draw.PROPORTIONAL, "total": 30, "minimum_per_unit": 10}
        first = draw(self.method, self.pool, **plan)
        do_issue_from_draw(
            self.organiser,
            first,
            expires=timezone.localdate() + datetime.timedelta(days=20),
            issuer="区纠风办",
            verify_phone="0951-6012345",
        )
        second = draw(self.method, self.pool, round=2, seed=7, **plan)
        asked = {m[0] for m in members(first) if not m[2]}
        again = {m[0] for m in members(second) if not m[2]}
        self.assertEqual(len(again), 30)
        self.assertEqual(asked & again, set())
        self.assertEqual(second.frame_size, 80 - 30)
        self.assertEqual(second.left_out, 30)

    def test_proportional_with_a_minimum_per_unit(self) -> None:
        # Units of 40, 40 and 4 people, 20 to draw, at least 6 a unit: the small unit can give
        # only its 4 (all it has), and the two big ones share the other 16 evenly: 8 each.
        extra = units(1, self.agencies, "x")[0]
        rows = [HEADER, *[[phone(100 + i), "", "办事群众", extra.name, ""] for i in range(4)]]
        do_import_pool(None, self.pool, write_csv(self.dir, rows, "extra.csv"))
        d = draw(self.method, self.pool, allocation=Draw.PROPORTIONAL, total=20, minimum_per_unit=6)
        by_unit: dict[int, int] = {}
        for stratum in DrawStratum.objects.filter(draw=d):
            unit = stratum.unit_id or 0
            by_unit[unit] = by_unit.get(unit, 0) + stratum.sample
        self.assertEqual(by_unit, {self.gaj.pk: 8, self.water.pk: 8, extra.pk: 4})

    def test_people_of_units_outside_the_campaign_are_left_out(self) -> None:
        self.campaign.exclude = ["water"]
        self.campaign.save()
        d = draw(self.method, self.pool, per_stratum=100)
        self.assertEqual(d.frame_size, 40)
        self.assertEqual(d.left_out, 40)
        self.assertEqual(
            set(DrawStratum.objects.filter(draw=d).values_list("unit", flat=True)), {self.gaj.pk}
        )

    def test_bad_plans_are_refused_and_store_nothing(self) -> None:
        for plan in (
            DrawPlan(Draw.PROPORTIONAL, total=0),
            DrawPlan(Draw.FIXED),
            DrawPlan(Draw.PROPORTIONAL, total=10, minimum_per_unit=20),
            DrawPlan(Draw.FIXED, per_stratum=5, reserve_percent=300),
        ):
            with self.subTest(plan=plan), self.assertRaises(InvalidInput):
                do_make_draw(self.organiser, self.method, self.pool, plan)
        self.assertFalse(Draw.objects.exists())
