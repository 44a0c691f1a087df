"""State changes of the unit tree: each one function, one transaction, one audit entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from minping.lib.errors import ProblemCollector
from minping.lib.imports import ImportSummary, check_not_imported, record_import, summary
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.orgs.importers import COLUMNS, UnitPlan, UnitReader
from minping.orgs.models import Group, Unit

# The audit entry lists changes one by one up to this many; the counts are always exact.
CHANGES_LISTED = 500


def do_import_units(
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportSummary:
    """Create or update the units of a ``code,name,parent,group`` file; never delete any.

    Raises InvalidInput listing every bad row; then nothing is stored.
    """
    problems = ProblemCollector()
    with open_table(path, COLUMNS) as table, transaction.atomic():
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


def apply_plan(plan: UnitPlan) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Store a checked plan: new groups, new units, then every unit's name, parent and group."""
    Group.objects.bulk_create([Group(code=code, name=code) for code in plan.new_groups])
    group_ids = dict(Group.objects.values_list("code", "id"))
    existing = {unit.code: unit for unit in Unit.objects.select_related("parent", "group")}
    new = [
        Unit(code=code, name=row.name) for code, row in plan.units.items() if code not in existing
    ]
    Unit.objects.bulk_create(new)
    ids = dict(Unit.objects.values_list("code", "id"))
    changes: list[dict[str, str]] = []
    changed: list[Unit] = []
    unchanged = 0
    for code, row in plan.units.items():
        unit = existing.get(code)
        if unit is None:
            unit = Unit(pk=ids[code], code=code, name=row.name)
            changed.append(unit)
        else:
            before = _describe(unit)
            after = {"name": row.name, "parent": row.parent, "group": row.group}
            diff = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
            if not diff:
                unchanged += 1
                continue
            if len(changes) < CHANGES_LISTED:
                changes.extend(
                    {"code": code, "field": k, "old": old, "new": new}
                    for k, (old, new) in diff.items()
                )
            changed.append(unit)
        unit.name = row.name
        unit.parent_id = ids[row.parent] if row.parent else None
        unit.group_id = group_ids[row.group] if row.group else None
    Unit.objects.bulk_update(changed, ["name", "parent", "group"], batch_size=500)
    counts = {
        "created": len(new),
        "updated": len(changed) - len(new),
        "unchanged": unchanged,
        "groups_created": len(plan.new_groups),
    }
    return counts, changes


def _describe(unit: Unit) -> dict[str, str]:
    return {
        "name": unit.name,
        "parent": unit.parent.code if unit.parent else "",
        "group": unit.group.code if unit.group else "",
    }
