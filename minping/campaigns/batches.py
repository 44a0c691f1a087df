"""What every file import records: refusing a file imported before, its ImportBatch, its summary.

Each import runs in one transaction (``import_transaction``). Inside it,
``check_not_imported`` comes first and ``record_import`` last: it stores an
``ImportBatch`` and writes the audit entry with the counts and the file's SHA-256.
A dry run (the web page's check before the user confirms) does all of that and
rolls it back, so it finds every problem the real import would, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from minping.audit.log import record
from minping.campaigns.models import Campaign, ImportBatch
from minping.lib.errors import InputProblem, InvalidInput
from minping.lib.tabular import Table

KIND_NAMES = {
    "units": "评议对象",
    "ballots": "答卷",
    "scores": "得分",
    "deductions": "减分",
    "vetoes": "一票否决",
}
# Kinds whose import sets values (a unit's name, a method score) rather than adding rows:
# importing the same file again changes nothing that counts, so the web page allows it.
# Ballots, deductions and vetoes are added: the same file twice would count them twice.
SETS_VALUES = frozenset({"units", "scores"})


@dataclass
class ImportSummary:
    """What an import stored, in numbers and in one line for the user."""

    kind: str
    filename: str
    sha256: str
    rows: int
    text: str
    campaign_code: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None


class AlreadyImported(InvalidInput):
    """This very file was imported here before; importing it again would double-count."""

    def __init__(self, batch: ImportBatch, source: str) -> None:
        when = timezone.localtime(batch.created).strftime("%Y-%m-%d %H:%M")
        effect = "只会重设为文件中的值" if batch.kind in SETS_VALUES else "会重复计数"
        message = (
            f"这个文件已于 {when} 导入过(导入记录 #{batch.pk},{batch.rows} 行),"
            f"再次导入{effect};确需再次导入请加 --force"
        )
        self.batch = batch
        super().__init__([InputProblem(message)], source=source)

    def summary(self) -> str:
        name = f"{self.source} " if self.source else "这个文件"
        return f"{name}以前导入过,未作任何改动。"


@contextmanager
def import_transaction(*, dry_run: bool = False) -> Iterator[None]:
    """The import's one transaction; a dry run goes through all of it, then rolls back."""
    with transaction.atomic():
        yield
        if dry_run:
            transaction.set_rollback(True)


def check_not_imported(
    kind: str, campaign: Campaign | None, table: Table, *, force: bool = False
) -> None:
    """Raise AlreadyImported if this very file (by SHA-256) was imported as ``kind`` before."""
    if force:
        return
    earlier = (
        ImportBatch.objects.filter(kind=kind, campaign=campaign, sha256=table.sha256)
        .order_by("created")
        .first()
    )
    if earlier is not None:
        raise AlreadyImported(earlier, table.name)


def record_import(
    kind: str,
    campaign: Campaign | None,
    table: Table,
    *,
    actor: Any,
    counts: dict[str, int],
    detail: dict[str, Any] | None = None,
) -> ImportBatch:
    """Store the ImportBatch and its audit entry. Call inside the import's transaction."""
    batch = ImportBatch.objects.create(
        campaign=campaign,
        kind=kind,
        filename=table.name[:255],
        sha256=table.sha256,
        rows=table.data_rows,
    )
    record(
        f"import.{kind}",
        actor=actor,
        obj=batch,
        campaign_code=campaign.code if campaign is not None else "",
        detail={
            "file": table.name,
            "sha256": table.sha256,
            "rows": table.data_rows,
            **counts,
            **(detail or {}),
        },
    )
    return batch


def summary(
    kind: str,
    campaign: Campaign | None,
    table: Table,
    batch: ImportBatch,
    text: str,
    counts: dict[str, int],
    warnings: list[str] | None = None,
) -> ImportSummary:
    return ImportSummary(
        kind=kind,
        filename=table.name,
        sha256=table.sha256,
        rows=table.data_rows,
        text=text,
        campaign_code=campaign.code if campaign is not None else "",
        counts=counts,
        warnings=warnings or [],
        batch_id=batch.pk,
    )
