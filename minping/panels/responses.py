"""Response per stratum (R-10, R-11): invitations used against issued, and the sample target.

Counted from ``Invitation.used`` through the stratum each invitation was issued
for: a fixed handful of ``GROUP BY`` queries per draw, never a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q

from minping.campaigns.models import Campaign
from minping.panels.models import Draw, DrawMember, DrawStratum, StratumInvitation


def rate(used: int, issued: int) -> Decimal | None:
    """Used ÷ issued as a percentage to one decimal, or None before anything was issued."""
    if not issued:
        return None
    return (Decimal(used) * 100 / issued).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class StratumResponse:
    stratum: DrawStratum
    issued: int = 0
    used: int = 0
    reserve_issued: int = 0
    reserve_left: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.used, self.issued)


@dataclass
class DrawResponse:
    draw: Draw
    strata: list[StratumResponse] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return sum(s.issued for s in self.strata)

    @property
    def used(self) -> int:
        return sum(s.used for s in self.strata)

    @property
    def rate(self) -> Decimal | None:
        return rate(self.used, self.issued)

    @property
    def short(self) -> int:
        """How many more responses the target (不少于 N 份) still needs."""
        return max(self.draw.target - self.used, 0)


def draw_response(draw: Draw) -> DrawResponse:
    strata = list(draw.strata.select_related("unit"))
    counts: dict[int, dict[str, Any]] = {
        row["stratum"]: dict(row)
        for row in StratumInvitation.objects.filter(stratum__draw=draw)
        .values("stratum")
        .annotate(
            issued=Count("pk"),
            used=Count("pk", filter=Q(invitation__used=True)),
            reserve_issued=Count("pk", filter=Q(reserve=True)),
        )
        .order_by()
    }
    left = dict(
        DrawMember.objects.filter(stratum__draw=draw, reserve=True, invited=False)
        .values_list("stratum")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = DrawResponse(draw)
    for stratum in strata:
        row = counts.get(stratum.pk, {})
        result.strata.append(
            StratumResponse(
                stratum,
                issued=row.get("issued", 0),
                used=row.get("used", 0),
                reserve_issued=row.get("reserve_issued", 0),
                reserve_left=left.get(stratum.pk, 0),
            )
        )
    return result


def campaign_responses(campaign: Campaign) -> list[DrawResponse]:
    """Every draw in force in the campaign, by method and round."""
    draws = Draw.objects.filter(campaign=campaign, in_force=True).select_related("method")
    return [draw_response(draw) for draw in draws.order_by("method__order", "round")]
