"""The sampling functions alone: stratum sizes, minimums, the reserve, and reproducibility."""

from __future__ import annotations

import math
import random
from collections import defaultdict

from django.test import SimpleTestCase
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minping.panels.sampling import (
    AllocationError,
    StratumKey,
    allocate_fixed,
    allocate_proportional,
    apportion,
    draw,
    frame_digest,
    reserve_sizes,
)

CATEGORIES = ["", "办事群众", "企业办事人员", "两代表一委员"]

# A frame: stratum → how many people; units 0 (none named) to 6, any of four categories.
frames = st.dictionaries(
    st.tuples(st.integers(0, 6), st.sampled_from(CATEGORIES)),
    st.integers(0, 60),
    min_size=1,
    max_size=20,
)


def by_unit(sizes: dict[StratumKey, int]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for (unit, _), n in sizes.items():
        totals[unit] += n
    return totals


class ProportionalTest(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(frames, st.integers(0, 800), st.integers(0, 30))
    def test_sizes_fit_the_frame_sum_to_the_size_and_respect_the_minimum(
        self, frame: dict[StratumKey, int], total: int, minimum: int
    ) -> None:
        everyone = sum(frame.values())
        unit_frames = by_unit(frame)
        floors = {unit: min(minimum, size) for unit, size in unit_frames.items()}
        wanted = min(total, everyone)
        if sum(floors.values()) > wanted:
            # The minimums alone need more than the sample: refused, never silently broken.
            with self.assertRaises(AllocationError):
                allocate_proportional(frame, total, minimum)
            return
        sizes = allocate_proportional(frame, total, minimum)
        self.assertEqual(set(sizes), set(frame))
        for key, n in sizes.items():
            self.assertGreaterEqual(n, 0)
            self.assertLessEqual(n, frame[key], "never more than the stratum's frame")
        # Exactly the size asked for, or the whole frame when it has fewer people.
        self.assertEqual(sum(sizes.values()), wanted)
        for unit, n in by_unit(sizes).items():
            self.assertGreaterEqual(n, floors[unit], f"unit {unit} below its minimum")

    @settings(max_examples=300, deadline=None)
    @given(frames, st.integers(0, 800))
    def test_without_a_minimum_each_stratum_is_within_two_of_its_exact_share(
        self, frame: dict[StratumKey, int], total: int
    ) -> None:
        everyone = sum(frame.values())
        assume(everyone > 0)
        wanted = min(total, everyone)
        sizes = allocate_proportional(frame, total, 0)
        # Two stages of rounding (unit, then category): each less than one person off.
        for key, n in sizes.items():
            self.assertLess(abs(n - wanted * frame[key] / everyone), 2, key)

    @settings(max_examples=200, deadline=None)
    @given(frames, st.integers(0, 800), st.integers(0, 30))
    def test_a_bigger_unit_never_gets_fewer(
        self, frame: dict[StratumKey, int], total: int, minimum: int
    ) -> None:
        try:
            sizes = by_unit(allocate_proportional(frame, total, minimum))
        except AllocationError:
            return
        unit_frames = by_unit(frame)
        for u, fu in unit_frames.items():
            for v, fv in unit_frames.items():
                if fu > fv:
                    self.assertGreaterEqual(sizes[u], sizes[v])
                elif fu == fv:
                    self.assertLessEqual(abs(sizes[u] - sizes[v]), 1)

    def test_seed_003_two_rounds_of_100_over_ten_windows(self) -> None:
        # Ten windows of 30, 60, … 300 people (1,650 in all), 100 a round, at least 5 each:
        # exact shares are 100 × 30k / 1650 = 1.8k, so the smallest get their minimum of 5.
        frame = {(k, ""): 30 * k for k in range(1, 11)}
        sizes = allocate_proportional(frame, 100, 5)
        self.assertEqual(sum(sizes.values()), 100)
        self.assertEqual(sizes[(1, "")], 5)
        self.assertEqual(sizes[(2, "")], 5)
        self.assertGreater(sizes[(10, "")], sizes[(5, "")])

    def test_minimums_beyond_the_total_are_refused_in_plain_words(self) -> None:
        with self.assertRaisesRegex(AllocationError, "每个单位至少 10 人,共需 30 人"):
            allocate_proportional({(1, ""): 50, (2, ""): 50, (3, ""): 50}, 20, 10)


class ApportionTest(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
            min_size=1,
            max_size=15,
        ),
        st.data(),
    )
    def test_bounds_and_sum(self, items: list[tuple[int, int, int]], data: st.DataObject) -> None:
        weights = [w for w, _, _ in items]
        lower = [min(a, b) for _, a, b in items]
        upper = [max(a, b) for _, a, b in items]
        reachable = sum(up if w else lo for w, lo, up in zip(weights, lower, upper, strict=True))
        total = data.draw(st.integers(sum(lower), max(sum(lower), reachable)))
        shares = apportion(total, weights, lower, upper)
        self.assertEqual(sum(shares), total)
        for share, lo, up in zip(shares, lower, upper, strict=True):
            self.assertTrue(lo <= share <= up)

    def test_worked_example(self) -> None:
        # 10 over 5:3:2 is exact; 7 over 100:1:1 with floors 2, 1, 1: the first takes the rest.
        self.assertEqual(apportion(10, [5, 3, 2], [0, 0, 0], [5, 3, 2]), [5, 3, 2])
        self.assertEqual(apportion(7, [100, 1, 1], [2, 1, 1], [100, 1, 1]), [5, 1, 1])
        # 3 over four equal weights: a tie, broken by order.
        self.assertEqual(apportion(3, [1, 1, 1, 1], [0] * 4, [1] * 4), [1, 1, 1, 0])


class FixedAndReserveTest(SimpleTestCase):
    @settings(max_examples=200, deadline=None)
    @given(frames, st.integers(0, 80))
    def test_fixed_sizes_never_exceed_the_frame(
        self, frame: dict[StratumKey, int], each: int
    ) -> None:
        sizes = allocate_fixed(frame, {key: each for key in frame})
        for key, n in sizes.items():
            self.assertEqual(n, min(each, frame[key]))

    @settings(max_examples=300, deadline=None)
    @given(frames, st.integers(0, 80), st.integers(0, 100))
    def test_reserve_is_as_asked_or_the_rest_of_the_frame(
        self, frame: dict[StratumKey, int], each: int, percent: int
    ) -> None:
        sizes = allocate_fixed(frame, {key: each for key in frame})
        reserves = reserve_sizes(frame, sizes, percent)
        for key, r in reserves.items():
            asked = math.ceil(sizes[key] * percent / 100)
            rest = frame[key] - sizes[key]
            self.assertLessEqual(r, rest)
            self.assertIn(r, (asked, rest))


def frame_of(sizes: dict[StratumKey, int]) -> dict[StratumKey, list[int]]:
    """Distinct ids for each stratum's people."""
    out, next_id = {}, 1
    for key in sorted(sizes):
        out[key] = list(range(next_id, next_id + sizes[key]))
        next_id += sizes[key]
    return out


class DrawTest(SimpleTestCase):
    @settings(max_examples=200, deadline=None)
    @given(frames, st.integers(0, 40), st.integers(0, 100), st.integers(0, 2**63 - 1), st.randoms())
    def test_sample_and_reserve_are_disjoint_sized_and_reproducible(
        self,
        sizes: dict[StratumKey, int],
        each: int,
        percent: int,
        seed: int,
        shuffler: random.Random,
    ) -> None:
        frame = frame_of(sizes)
        sample = allocate_fixed(sizes, {key: each for key in sizes})
        reserve = reserve_sizes(sizes, sample, percent)
        picked = draw(frame, sample, reserve, seed)
        for key, got in picked.items():
            self.assertEqual(len(got.sample), sample[key])
            self.assertEqual(len(got.reserve), reserve[key])
            self.assertEqual(set(got.sample) & set(got.reserve), set())
            self.assertEqual(len(set(got.sample + got.reserve)), sample[key] + reserve[key])
            self.assertLessEqual(set(got.sample + got.reserve), set(frame[key]))
        # The same seed over the same frame, read in another order (ids and strata shuffled,
        # as a database may return them): the very same sample and reserve.
        shuffled_keys = list(frame)
        shuffler.shuffle(shuffled_keys)
        reread = {}
        for key in shuffled_keys:
            ids = list(frame[key])
            shuffler.shuffle(ids)
            reread[key] = ids
        self.assertEqual(draw(reread, sample, reserve, seed), picked)
        self.assertEqual(frame_digest(reread), frame_digest(frame))

    def test_the_same_seed_gives_the_same_sample_pinned(self) -> None:
        # Pinned values: if a Python release changed random.sample, recorded seeds would no
        # longer reproduce their draws, and this test says so.
        frame = {(1, ""): list(range(1, 101)), (2, "企业办事人员"): list(range(101, 131))}
        picked = draw(
            frame,
            {(1, ""): 5, (2, "企业办事人员"): 3},
            {(1, ""): 2, (2, "企业办事人员"): 1},
            20260701,
        )
        self.assertEqual(picked[(1, "")].sample, [34, 79, 2, 20, 16])
        self.assertEqual(picked[(1, "")].reserve, [74, 10])
        self.assertEqual(picked[(2, "企业办事人员")].sample, [125, 108, 126])
        self.assertEqual(picked[(2, "企业办事人员")].reserve, [102])

    def test_another_seed_gives_another_sample(self) -> None:
        frame = {(1, ""): list(range(1, 1001))}
        first = draw(frame, {(1, ""): 50}, {}, 1)
        second = draw(frame, {(1, ""): 50}, {}, 2)
        self.assertNotEqual(set(first[(1, "")].sample), set(second[(1, "")].sample))

    def test_a_changed_frame_changes_the_digest(self) -> None:
        frame = {(1, ""): [1, 2, 3]}
        self.assertNotEqual(frame_digest(frame), frame_digest({(1, ""): [1, 2, 4]}))
        self.assertNotEqual(frame_digest(frame), frame_digest({(1, "x"): [1, 2, 3]}))
