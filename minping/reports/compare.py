"""Two computations of a campaign side by side: which units' scores, ranks and grades changed.

Read from the two stored snapshots (figures as published, 2 decimals), so what the
page says changed is what a reader of the two result tables would see change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minping.reports.views import grade_label
from minping.scoring.models import ResultSnapshot


@dataclass(frozen=True)
class UnitChange:
    name: str
    old_score: float | None
    new_score: float | None
    old_rank: int | None
    new_rank: int | None
    old_grade: str
    new_grade: str

    @property
    def score_changed(self) -> bool:
        return self.old_score != self.new_score

    @property
    def rank_changed(self) -> bool:
        return self.old_rank != self.new_rank

    @property
    def grade_changed(self) -> bool:
        return self.old_grade != self.new_grade

    @property
    def score_delta(self) -> float | None:
        if self.old_score is None or self.new_score is None:
            return None
        return round(self.new_score - self.old_score, 2)


@dataclass(frozen=True)
class Comparison:
    old: ResultSnapshot
    new: ResultSnapshot
    changes: list[UnitChange]
    unchanged: int


def _units(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["unit"]: u for u in results.get("units", [])}


def compare(old: ResultSnapshot, new: ResultSnapshot) -> Comparison:
    """The units whose composite, rank or grade differ between ``old`` and ``new``; a unit
    in only one of them shows as changed, with nothing on the other side."""
    before, after = _units(old.results), _units(new.results)
    changes, same = [], 0
    order = list(after) + [code for code in before if code not in after]
    for code in order:
        a, b = before.get(code), after.get(code)
        change = UnitChange(
            name=(b or a or {}).get("name", ""),
            old_score=a.get("composite") if a else None,
            new_score=b.get("composite") if b else None,
            old_rank=a.get("rank") if a else None,
            new_rank=b.get("rank") if b else None,
            old_grade=grade_label(a) if a else "",
            new_grade=grade_label(b) if b else "",
        )
        moved = change.score_changed or change.rank_changed or change.grade_changed
        if a is None or b is None or moved:
            changes.append(change)
        else:
            same += 1
    return Comparison(old, new, changes, same)


def previous(snapshot: ResultSnapshot) -> ResultSnapshot | None:
    """What to compare a snapshot with before publishing it: the results published last
    (what units and the public see now), else the computation before it."""
    others = snapshot.campaign.snapshots.exclude(pk=snapshot.pk).order_by("-computed_at", "-pk")
    return (
        others.filter(published=True).first()
        or others.filter(computed_at__lte=snapshot.computed_at).first()
    )
