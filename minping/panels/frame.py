"""The sampling frame of a draw, read from a pool: ids and strata only, in one scan.

A pool row is in the frame when its unit (if it names one) is one of the
campaign's ranked units, its category one the method counts (version 2), and
the person is neither in the sample of another draw in force in the same
campaign nor already invited by one: the surveys app gives a person one
invitation per campaign (R-13), so a second round draws among those not yet asked.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from minping.panels.models import DrawMember, Pool, Respondent
from minping.panels.sampling import StratumKey

FETCH = 10_000


@dataclass
class Frame:
    strata: dict[StratumKey, array[int]] = field(default_factory=dict)
    # Rows of the pool left out: a unit not in the campaign, or already drawn or invited.
    left_out: int = 0

    @property
    def sizes(self) -> dict[StratumKey, int]:
        return {key: len(ids) for key, ids in self.strata.items()}

    @property
    def size(self) -> int:
        return sum(len(ids) for ids in self.strata.values())


def taken_ids(pool: Pool) -> set[int]:
    """Pool rows in the sample of a draw in force in the campaign, or invited by any draw."""
    members = DrawMember.objects.filter(
        respondent__pool=pool, stratum__draw__campaign_id=pool.campaign_id
    )
    in_force = members.filter(stratum__draw__in_force=True, reserve=False)
    return set(in_force.values_list("respondent_id", flat=True)) | set(
        members.filter(invited=True).values_list("respondent_id", flat=True)
    )


def scan(pool_id: int) -> str:
    """The one query a draw reads the pool with (``bench/`` times it bare, too)."""
    quote = connection.ops.quote_name
    opts = Respondent._meta
    return (
        f"SELECT {quote('id')}, {quote('unit_id')}, {quote('category')} "
        f"FROM {quote(opts.db_table)} WHERE {quote('pool_id')} = {int(pool_id)}"
    )


def read_frame(
    pool: Pool,
    unit_ids: set[int],
    taken: set[int],
    counts: Callable[[str], bool] | None = None,
) -> Frame:
    """Group the pool's rows by stratum, leaving out other units' rows and ``taken`` ids,
    and, given ``counts``, the rows of a category for which it says no (a version-2 method
    that counts only some respondent categories, R-13).

    The loop is the draw's only per-row Python work, so it does as little as it can:
    one dict lookup of the row's (unit, category) to the ``append`` of its stratum
    (or of the left-out pile); ``taken`` (at most the people already drawn or
    invited) is filtered afterwards, stratum by stratum.
    """
    frame = Frame()
    outside: array[int] = array("q")
    appenders: dict[tuple[int | None, str], Callable[[int], None]] = {}
    with connection.chunked_cursor() as cursor:
        cursor.execute(scan(pool.pk))
        while rows := cursor.fetchmany(FETCH):
            for pk, unit, category in rows:
                try:
                    appenders[unit, category](pk)
                except KeyError:
                    if (unit is not None and unit not in unit_ids) or (
                        counts is not None and not counts(category)
                    ):
                        appenders[unit, category] = outside.append
                    else:
                        ids = frame.strata[(unit or 0, category)] = array("q")
                        appenders[unit, category] = ids.append
                    appenders[unit, category](pk)
    frame.left_out = len(outside)
    if taken:
        for key, ids in frame.strata.items():
            if not taken.isdisjoint(ids):
                kept = array("q", [pk for pk in ids if pk not in taken])
                frame.left_out += len(ids) - len(kept)
                frame.strata[key] = kept
        frame.strata = {key: ids for key, ids in frame.strata.items() if ids}
    return frame
