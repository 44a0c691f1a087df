"""What every file import records: refusing a file imported before, its ImportBatch, its summary.

Each import runs in one transaction. Inside it, ``check_not_imported`` comes
first and ``record_import`` last: it stores an ``ImportBatch`` and writes the
audit entry with the counts and the file's SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
        effect = "不会有任何变化" if batch.kind == "units" else "会重复计数"
        message = (
            f"这个文件已于 {when} 导入过(导入记录 #{batch.pk},{batch.rows} 行),"
            f"再次导入{effect};确需再次导入请加 --force"
        )
        self.batch = batch
        super().__init__([InputProblem(message)], source=source)

    def summary(self) -> str:
        name = f"{self.source} " if self.source else "这个文件"
        return f"{name}以前导入过,未作任何改动。"


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
