"""``{% certainty_mark snapshot unit_code %}``: how sure a unit's place is (docs/statistics.md)."""

from __future__ import annotations

from typing import Any

from django import template

from minping.scoring.models import ResultSnapshot

register = template.Library()


@register.inclusion_tag("reports/_certainty_mark.html")
def certainty_mark(snapshot: ResultSnapshot | None, unit: str) -> dict[str, Any]:
    """The marks of one unit: places it cannot be told apart from, small samples, its interval.

    Snapshots computed before intervals existed have none, and show nothing.
    """
    found = ((snapshot.certainty or {}).get("units") or {}).get(unit) if snapshot else None
    if not found:
        return {"found": False}
    alike = found.get("alike")
    composite = found.get("composite")
    return {
        "found": True,
        "alike": alike,
        "small": bool(found.get("small_sample")),
        "min_ballots": snapshot.certainty.get("min_ballots") if snapshot else None,
        "composite": composite,
    }
