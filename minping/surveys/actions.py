"""State changes of the surveys app: each one function, one transaction, one audit entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from minping.campaigns.models import Campaign
from minping.lib.errors import ProblemCollector
from minping.lib.imports import ImportSummary, check_not_imported, record_import, summary
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.surveys.importers import COLUMNS, BallotImporter


def do_import_ballots(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportSummary:
    """Import a ballots file (one row an answer) into ``campaign``, all or nothing.

    Ballots get fresh ids (never the file's ``ballot`` values), the channel
    "import" and the import day as their date unless the file gives one.
    Raises InvalidInput listing every bad row; then nothing is stored.
    """
    problems = ProblemCollector()
    with open_table(path, COLUMNS) as table, transaction.atomic():
        check_not_imported("ballots", campaign, table, force=force)
        importer = BallotImporter(campaign, table, problems)
        importer.run(progress)
        # Good rows were written as they were read: raising here rolls them all back.
        problems.raise_if_any(table.name)
        counts = {"ballots": importer.ballots, "answers": importer.answers}
        batch = record_import(
            "ballots",
            campaign,
            table,
            actor=actor,
            counts=counts,
            detail={"by_method": importer.by_method},
        )
    methods = "、".join(
        f"{code} {n:,} 份" if len(importer.by_method) > 1 else code
        for code, n in importer.by_method.items()
    )
    text = (
        f"已导入 {importer.ballots:,} 份答卷({importer.answers:,} 条答案)"
        f"到 {campaign.code} / {methods}"
    )
    return summary("ballots", campaign, table, batch, text, counts)
