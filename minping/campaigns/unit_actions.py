"""``minping import units``: the unit tree from a file, recorded like every other import.

It lives with the campaign imports because an import's record (``ImportBatch``)
does; ``orgs`` only checks the rows (``UnitReader``) and stores them (``apply_plan``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minping.campaigns.batches import (
    ImportSummary,
    check_not_imported,
    import_transaction,
    record_import,
    summary,
)
from minping.lib.errors import ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.orgs.actions import apply_plan
from minping.orgs.importers import COLUMNS, UnitReader


def do_import_units(
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
    dry_run: bool = False,
    problems: ProblemCollector | None = None,
) -> ImportSummary:
    """Create or update the units of a ``code,name,parent,group`` file; never delete any.

    Raises InvalidInput listing every bad row; then nothing is stored.
    """
    problems = ProblemCollector() if problems is None else problems
    with open_table(path, COLUMNS) as table, import_transaction(dry_run=dry_run):
        check_not_imported("units", None, table, force=force)
        plan = UnitReader(table, problems).read(progress)
        problems.raise_if_any(table.name)
        counts, changes = apply_plan(plan)
        batch = record_import(
            "units", None, table, actor=actor, counts=counts, detail={"changes": changes}
        )
    text = (
        f"已导入评议对象 {table.data_rows:,} 个:新增 {counts['created']:,},"
        f"更新 {counts['updated']:,},未变 {counts['unchanged']:,}"
    )
    if counts["groups_created"]:
        text += f";新建组别 {counts['groups_created']}:{'、'.join(plan.new_groups)}"
    return summary("units", None, table, batch, text, counts)
