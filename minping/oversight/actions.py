"""State changes of oversight: each one function, one transaction, one audit entry."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction

from minping.audit import log
from minping.campaigns.models import Campaign, DeductionRule
from minping.lib.errors import ProblemCollector
from minping.lib.imports import ImportSummary, check_not_imported, record_import, summary
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.orgs.models import Unit
from minping.oversight.importers import (
    DEDUCTION_COLUMNS,
    VETO_COLUMNS,
    DeductionReader,
    VetoReader,
)
from minping.oversight.models import Deduction, Veto

M = TypeVar("M", bound=models.Model)
BATCH = 1000


def do_import_deductions(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportSummary:
    """Add the deductions of a file to ``campaign``, all or nothing.

    Deductions dated outside the campaign's window are stored (the scoring
    engine leaves them out and says why) and counted in a warning.
    """
    problems = ProblemCollector()
    with open_table(path, DEDUCTION_COLUMNS) as table, transaction.atomic():
        check_not_imported("deductions", campaign, table, force=force)
        reader = DeductionReader(campaign, table, problems)
        stored = store_in_batches(Deduction, reader.read(progress))
        problems.raise_if_any(table.name)
        counts = {"deductions": stored, "outside_window": reader.outside_window}
        batch = record_import("deductions", campaign, table, actor=actor, counts=counts)
    warnings = []
    if reader.outside_window:
        start = campaign.deductions_from or "…"
        end = campaign.deductions_to or "…"
        warnings.append(
            f"注意:有 {reader.outside_window:,} 条减分的日期不在本活动的减分期间"
            f"({start} 至 {end})内,已导入但不计分"
        )
    text = f"已导入 {stored:,} 条减分到 {campaign.code}"
    return summary("deductions", campaign, table, batch, text, counts, warnings)


def do_import_vetoes(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportSummary:
    """Add the vetoes of a file to ``campaign``, all or nothing."""
    problems = ProblemCollector()
    with open_table(path, VETO_COLUMNS) as table, transaction.atomic():
        check_not_imported("vetoes", campaign, table, force=force)
        stored = store_in_batches(Veto, VetoReader(campaign, table, problems).read(progress))
        problems.raise_if_any(table.name)
        counts = {"vetoes": stored}
        batch = record_import("vetoes", campaign, table, actor=actor, counts=counts)
    text = f"已导入 {stored:,} 条一票否决到 {campaign.code}"
    return summary("vetoes", campaign, table, batch, text, counts)


def store_in_batches(model: type[M], objects: Iterable[M]) -> int:
    """bulk_create ``objects`` a batch at a time, so a long file never sits in memory whole."""
    stored = 0
    iterator = iter(objects)
    while batch := list(islice(iterator, BATCH)):
        model._default_manager.bulk_create(batch)
        stored += len(batch)
    return stored


def do_propose_deduction(
    *,
    campaign: Campaign,
    unit: Unit,
    rule: DeductionRule,
    date: datetime.date,
    count: int = 1,
    evidence: str = "",
    actor: Any = None,
) -> Deduction:
    """Record a proposed deduction; it does not count until it has been signed off.

    Other apps (a confirmed repeat complaint, an inspection finding) propose
    deductions only through this function.
    """
    with transaction.atomic():
        deduction = Deduction.objects.create(
            campaign=campaign,
            unit=unit,
            rule=rule,
            date=date,
            count=count,
            evidence=evidence,
            signed_off=False,
        )
        log.record(
            "deduction.propose",
            actor=actor,
            obj=deduction,
            campaign_code=campaign.code,
            detail={"unit": unit.code, "rule": rule.code, "date": date, "count": count},
        )
    return deduction
