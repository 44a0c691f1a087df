"""Importing 0–100 scores for methods whose input is scores: one transaction, one audit entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from minping.campaigns.batches import (
    ImportSummary,
    check_not_imported,
    import_transaction,
    record_import,
    summary,
)
from minping.campaigns.deadlines import late_message
from minping.campaigns.importers import COLUMNS, ScoreReader
from minping.campaigns.models import Campaign, MethodScore
from minping.lib.errors import ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import open_table


def do_import_scores(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
    dry_run: bool = False,
    problems: ProblemCollector | None = None,
) -> ImportSummary:
    """Set each (method, unit) score the file gives; a score given before is corrected.

    The audit entry lists every corrected score with its old and new value.
    Raises InvalidInput listing every bad row; then nothing is stored. A score stored
    after its method's data deadline is taken and warned about (R-19).
    """
    problems = ProblemCollector() if problems is None else problems
    with open_table(path, COLUMNS) as table, import_transaction(dry_run=dry_run):
        check_not_imported("scores", campaign, table, force=force)
        rows = list(ScoreReader(campaign, table, problems).read(progress))
        problems.raise_if_any(table.name)
        existing = {
            (score.method_id, score.unit_id): score
            for score in MethodScore.objects.filter(campaign=campaign)
        }
        new: list[MethodScore] = []
        changed: list[MethodScore] = []
        corrections: list[dict[str, str]] = []
        today = timezone.localdate()
        late: dict[str, int] = {}  # method title -> scores stored after its deadline
        for row in rows:
            stored = existing.get((row.method.pk, row.unit_id))
            if (stored is None or stored.score != row.score) and _past(row.method.deadline, today):
                late[row.method.title] = late.get(row.method.title, 0) + 1
            if stored is None:
                new.append(
                    MethodScore(
                        campaign=campaign,
                        method=row.method,
                        unit_id=row.unit_id,
                        score=row.score,
                        recorded_on=today,
                    )
                )
            elif stored.score != row.score:
                corrections.append(
                    {
                        "method": row.method.code,
                        "unit": row.unit_code,
                        "old": _plain(stored.score),
                        "new": _plain(row.score),
                    }
                )
                stored.score = row.score
                stored.recorded_on = today
                changed.append(stored)
        MethodScore.objects.bulk_create(new)
        MethodScore.objects.bulk_update(changed, ["score", "recorded_on"])
        counts = {
            "created": len(new),
            "corrected": len(changed),
            "unchanged": len(rows) - len(new) - len(changed),
        }
        batch = record_import(
            "scores",
            campaign,
            table,
            actor=actor,
            counts=counts,
            detail={"corrections": corrections, **({"late": late} if late else {})},
        )
    methods = "、".join(sorted({row.method.title for row in rows}))
    text = f"已导入 {len(rows):,} 个得分到 {campaign.code} / {methods}:新增 {len(new):,}"
    text += f",更正 {len(changed):,},未变 {counts['unchanged']:,}"
    deadlines = {row.method.title: row.method.deadline for row in rows}
    warnings = [
        late_message(title, deadline, n, "个得分")
        for title, n in late.items()
        if (deadline := deadlines[title]) is not None
    ]
    return summary("scores", campaign, table, batch, text, counts, warnings)


def _past(deadline: date | None, today: date) -> bool:
    return deadline is not None and today > deadline


def _plain(value: Decimal) -> str:
    """86.5 rather than 86.5000 or 1E+2."""
    return format(value.normalize(), "f")
