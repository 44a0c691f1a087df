"""Stratified random sampling, as pure functions: no database, no clock, no hidden randomness.

A stratum is ``(unit id or 0, category)``. Sizes come per stratum (capped by
the frame) or from a total shared in proportion to the frame with a minimum
per unit (:func:`allocate_proportional`); a reserve for non-response is a
percentage of each stratum's sample, capped by what the frame has left.

:func:`draw` is reproducible: the strata are taken in sorted order, each
stratum's frame in ascending id order, and one ``random.Random(seed)`` picks
positions. The same frame and seed give the same sample and reserve on any
machine and Python version that keeps ``random.sample``'s algorithm (CPython
has since 3.2); nothing depends on hash order.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

StratumKey = tuple[int, str]  # (unit id, 0 when none; category, "" when none)

# Twelve digits: easy to read out and to copy into a report, and far more than enough.
SEED_DIGITS = 12


class AllocationError(ValueError):
    """The sizes asked for cannot be met; the message says why, in Chinese."""


def new_seed() -> int:
    return secrets.randbelow(10**SEED_DIGITS)


def apportion(
    total: int, weights: Sequence[int], lower: Sequence[int], upper: Sequence[int]
) -> list[int]:
    """Whole numbers within [lower, upper] summing to ``total``, as proportional to ``weights``
    as the bounds allow.

    The shares are ``clamp(λ·w, lower, upper)`` with λ chosen (exactly, in
    fractions) so that they sum to ``total``; the whole parts are kept and the
    remaining units go to the largest fractional parts, earlier items first on a
    tie (Hamilton's method). An item of weight 0 stays at its lower bound.
    """
    n = len(weights)
    if not len(lower) == len(upper) == n:
        raise ValueError("weights, lower and upper differ in length")
    if any(w < 0 for w in weights) or any(lo > up for lo, up in zip(lower, upper, strict=True)):
        raise ValueError("negative weight or lower bound above upper bound")
    reachable = sum(up if w > 0 else lo for w, lo, up in zip(weights, lower, upper, strict=True))
    if not sum(lower) <= total <= reachable:
        raise ValueError(f"total {total} outside [{sum(lower)}, {reachable}]")
    lam = _multiplier(total, weights, lower, upper)
    shares = [
        min(max(lam * w, Fraction(lo)), Fraction(up)) if w > 0 else Fraction(lo)
        for w, lo, up in zip(weights, lower, upper, strict=True)
    ]
    whole = [math.floor(s) for s in shares]
    left = total - sum(whole)
    by_fraction = sorted(range(n), key=lambda i: (-(shares[i] - whole[i]), i))
    for i in by_fraction[:left]:
        whole[i] += 1
    return whole


def _multiplier(
    total: int, weights: Sequence[int], lower: Sequence[int], upper: Sequence[int]
) -> Fraction:
    """The λ at which Σ clamp(λ·w, lower, upper) reaches ``total``: a sweep over breakpoints.

    Each item is pinned to its lower bound until λ·w reaches it, grows with slope
    w, then is pinned to its upper bound; the sum is piecewise linear in λ.
    """
    events: dict[Fraction, int] = {}  # λ → change of slope there
    value = Fraction(0)
    for w, lo, up in zip(weights, lower, upper, strict=True):
        value += lo
        if w > 0 and up > lo:
            events[Fraction(lo, w)] = events.get(Fraction(lo, w), 0) + w
            events[Fraction(up, w)] = events.get(Fraction(up, w), 0) - w
    at, slope = Fraction(0), 0
    for point in sorted(events):
        if slope and value + slope * (point - at) >= total:
            break
        value += slope * (point - at)
        at, slope = point, slope + events[point]
    if value >= total or not slope:
        return at
    return at + (total - value) / slope


def unit_of(key: StratumKey) -> int:
    return key[0]


def allocate_fixed(
    frames: Mapping[StratumKey, int], wanted: Mapping[StratumKey, int]
) -> dict[StratumKey, int]:
    """Each stratum's size as asked, but never more than its frame."""
    return {key: min(max(wanted.get(key, 0), 0), size) for key, size in frames.items()}


def allocate_proportional(
    frames: Mapping[StratumKey, int], total: int, minimum_per_unit: int = 0
) -> dict[StratumKey, int]:
    """Share ``total`` (at most the whole frame) in proportion to the frame, by unit then stratum.

    Each unit first gets at least ``minimum_per_unit`` people, or its whole frame
    if it has fewer; the rest follows the frame's proportions. Within a unit its
    share is split among its categories in proportion too. Raises
    AllocationError when the minimums alone need more than ``total``.
    """
    if total < 0 or minimum_per_unit < 0:
        raise AllocationError("人数不能为负数。")
    keys = sorted(frames)
    units = sorted({unit_of(key) for key in keys})
    unit_frames = {unit: 0 for unit in units}
    for key in keys:
        unit_frames[unit_of(key)] += frames[key]
    everyone = sum(unit_frames.values())
    total = min(total, everyone)
    floors = [min(minimum_per_unit, unit_frames[unit]) for unit in units]
    if sum(floors) > total:
        raise AllocationError(
            f"每个单位至少 {minimum_per_unit} 人,共需 {sum(floors)} 人,"
            f"超过了样本总数 {total} 人:请增加总数或减少每个单位的最少人数。"
        )
    sizes = [unit_frames[unit] for unit in units]
    per_unit = dict(zip(units, apportion(total, sizes, floors, sizes), strict=True))
    result: dict[StratumKey, int] = {}
    for unit in units:
        mine = [key for key in keys if unit_of(key) == unit]
        counts = [frames[key] for key in mine]
        shares = apportion(per_unit[unit], counts, [0] * len(mine), counts)
        result.update(zip(mine, shares, strict=True))
    return result


def reserve_sizes(
    frames: Mapping[StratumKey, int], sample: Mapping[StratumKey, int], percent: int
) -> dict[StratumKey, int]:
    """The reserve of each stratum: ``percent`` of its sample rounded up, or what is left."""
    if percent < 0:
        raise AllocationError("备用样本比例不能为负数。")
    return {
        key: min(frames[key] - sample[key], math.ceil(sample[key] * percent / 100))
        for key in frames
    }


@dataclass(frozen=True)
class Picked:
    sample: list[int]
    reserve: list[int]  # in the order it is to be used


def draw(
    frame: Mapping[StratumKey, Sequence[int]],
    sizes: Mapping[StratumKey, int],
    reserves: Mapping[StratumKey, int],
    seed: int,
) -> dict[StratumKey, Picked]:
    """Pick each stratum's sample and reserve from its frame (ids), reproducibly from ``seed``."""
    rng = random.Random(seed)
    picked: dict[StratumKey, Picked] = {}
    for key in sorted(frame):
        ids = sorted(frame[key])
        n, r = sizes.get(key, 0), reserves.get(key, 0)
        if n < 0 or r < 0 or n + r > len(ids):
            raise AllocationError("样本和备用人数超过了该层的抽样框。")
        positions = rng.sample(range(len(ids)), n + r) if n + r else []
        picked[key] = Picked([ids[i] for i in positions[:n]], [ids[i] for i in positions[n:]])
    return picked


def frame_digest(frame: Mapping[StratumKey, Iterable[int]]) -> str:
    """SHA-256 of the frame as the draw reads it: strata in order, ids ascending."""
    digest = hashlib.sha256()
    for unit, category in sorted(frame):
        digest.update(f"{unit}\x1f{category}\x1e".encode())
        digest.update(array("q", sorted(frame[(unit, category)])).tobytes())
    return digest.hexdigest()
