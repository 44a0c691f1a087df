"""Generating reports: asking for one (audited) and making it, here or in the background.

A small campaign's report is made at once, in the request; a large one by the
background worker (``minping db_worker``, django-tasks), while the page polls the
job's progress. Either way the same :func:`run_job` makes it, and both the
request and the finished files are written to the audit log (R-38: the report is
archived, so what was handed on can be matched to its figures).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import tempfile
import time
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from minping.audit.log import record
from minping.campaigns.models import Campaign
from minping.lib.errors import InputProblem, InvalidInput
from minping.lib.progress import Progress
from minping.oversight.storage import delete_after_commit
from minping.reports.analysis import SECTIONS, analysis_report
from minping.reports.cards import write_cards_zip
from minping.reports.docx_layout import docx_bytes
from minping.reports.fonts import FontMissing
from minping.reports.models import ReportJob, ScreenLink
from minping.reports.pdf_layout import pdf_bytes
from minping.reports.wording import WordingError
from minping.scoring.models import ResultSnapshot

log = logging.getLogger(__name__)

DEFAULT_INLINE = 30
# What one unit costs, compared with one unit of the analysis report.
COST_PER_UNIT = {
    ReportJob.Kind.ANALYSIS: 1,
    ReportJob.Kind.CARDS_DOCX: 1,
    ReportJob.Kind.CARDS_PDF: 4,
}


def runs_inline(snapshot: ResultSnapshot, kind: str) -> bool:
    """Whether the job is small enough to make in the request (``MINPING_REPORT_INLINE_UNITS``)."""
    limit = int(getattr(settings, "MINPING_REPORT_INLINE_UNITS", DEFAULT_INLINE))
    units = len(snapshot.results.get("units") or [])
    return units * COST_PER_UNIT[ReportJob.Kind(kind)] <= limit


def do_request_report(actor: Any, snapshot: ResultSnapshot, kind: str) -> ReportJob:
    """Ask for a report of ``snapshot``; it is made once the request's transaction commits.

    Small ones are made at once (the caller finds the job finished), large ones are
    queued for the background worker.
    """
    inline = runs_inline(snapshot, kind)
    with transaction.atomic():
        job = ReportJob.objects.create(
            campaign=snapshot.campaign,
            snapshot=snapshot,
            kind=kind,
            requested_by=actor if getattr(actor, "pk", None) else None,
            step="正在生成" if inline else "排队等待后台处理",
        )
        record(
            "report.request",
            actor=actor,
            obj=job,
            campaign_code=snapshot.campaign.code,
            detail={
                "kind": kind,
                "snapshot": snapshot.pk,
                "published": snapshot.published,
                "background": not inline,
            },
        )
        if not inline:
            transaction.on_commit(lambda: _enqueue(job.pk))
    if inline:
        run_job(job.pk)
        job.refresh_from_db()
    return job


def _enqueue(job_id: int) -> None:
    from minping.reports.tasks import generate_report

    generate_report.enqueue(job_id)


class JobProgress(Progress):
    """Writes how far a job got to its row, at most twice a second (the page polls it)."""

    def __init__(self, job_id: int, describe: Any = None) -> None:
        self.job_id = job_id
        self.describe = describe or (lambda done, total: f"已完成 {done} / {total}")
        self.total = 0
        self.written = 0.0

    def start(self, total: int | None, unit: str) -> None:
        self.total = total or 0
        self._write(0, force=True)

    def update_to(self, done: int) -> None:
        self._write(done, force=done >= self.total)

    def note(self, done: int, total: int, step: str) -> None:
        self.total = total
        ReportJob.objects.filter(pk=self.job_id).update(
            done=done, total=total, step=step, heartbeat=timezone.now()
        )

    def _write(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.written < 0.5:
            return
        self.written = now
        ReportJob.objects.filter(pk=self.job_id).update(
            done=done,
            total=self.total,
            step=self.describe(done, self.total),
            heartbeat=timezone.now(),
        )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _make_analysis(job: ReportJob) -> dict[str, Any]:
    total = len(SECTIONS) + 2

    def describe(done: int, _total: int) -> str:
        if done < len(SECTIONS):
            return f"正在编写“{SECTIONS[done][1]}”"
        return "正在排版"

    progress = JobProgress(job.pk, describe)
    document = analysis_report(job.campaign, job.snapshot, progress)
    progress.note(len(SECTIONS), total, "正在排版 Word 文件")
    word = docx_bytes(document)
    progress.note(len(SECTIONS) + 1, total, "正在排版 PDF 文件")
    pdf = pdf_bytes(document)
    stem = f"{job.campaign.code}-analysis-{job.pk}"
    job.docx.save(f"{stem}.docx", ContentFile(word), save=False)
    job.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    job.done = job.total = total
    return {"docx_sha256": _digest(word), "pdf_sha256": _digest(pdf)}


def _make_cards(job: ReportJob) -> dict[str, Any]:
    fmt = "pdf" if job.kind == ReportJob.Kind.CARDS_PDF else "docx"
    progress = JobProgress(job.pk, lambda done, total: f"已完成 {done} / {total} 个单位")
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as out:
        count = write_cards_zip(job.campaign, job.snapshot, fmt, out, progress)
        out.seek(0)
        for chunk in iter(lambda: out.read(1 << 20), b""):
            digest.update(chunk)
        out.seek(0)
        job.archive.save(f"{job.campaign.code}-cards-{job.pk}.zip", File(out), save=False)
    job.done = job.total = count
    return {"cards": count, "zip_sha256": digest.hexdigest()}


def run_job(job_id: int) -> None:
    """Make the job's files. A problem the office can fix (a wording template, a font) is
    stored as the job's message; anything else too, and then raised for the log."""
    job = ReportJob.objects.select_related("campaign", "snapshot").get(pk=job_id)
    if job.finished:
        return
    ReportJob.objects.filter(pk=job.pk).update(
        state=ReportJob.State.RUNNING, step="正在生成", heartbeat=timezone.now()
    )
    try:
        detail = _make_analysis(job) if job.kind == ReportJob.Kind.ANALYSIS else _make_cards(job)
    except (WordingError, FontMissing) as problem:
        _fail(job, str(problem))
        return
    except Exception:
        _fail(job, "生成时出现程序错误,已记入服务器日志,请联系系统管理员。")
        raise
    with transaction.atomic():
        job.state = ReportJob.State.DONE
        job.step = "已完成"
        job.finished_at = timezone.now()
        job.save()
        record(
            "report.generate",
            actor=job.requested_by,
            obj=job,
            campaign_code=job.campaign.code,
            detail={"kind": job.kind, "snapshot": job.snapshot_id, **detail},
        )
        _drop_older_files(job)


def _fail(job: ReportJob, message: str) -> None:
    log.warning("report job %s failed: %s", job.pk, message)
    for field in (job.docx, job.pdf, job.archive):
        if field:
            field.delete(save=False)
    ReportJob.objects.filter(pk=job.pk).update(
        state=ReportJob.State.FAILED, error=message, step="", finished_at=timezone.now()
    )


def _drop_older_files(job: ReportJob) -> None:
    """Only the newest files of each kind are kept per campaign; the records (and the audit
    log's hashes of what was made) stay."""
    older = ReportJob.objects.filter(
        campaign=job.campaign, kind=job.kind, state=ReportJob.State.DONE, pk__lt=job.pk
    )
    for old in older:
        names = [f.name for f in (old.docx, old.pdf, old.archive) if f and f.name]
        if names:
            for name in names:
                delete_after_commit(name or "")
            ReportJob.objects.filter(pk=old.pk).update(docx="", pdf="", archive="")


def do_issue_screen_link(actor: Any, campaign: Campaign, label: str) -> tuple[ScreenLink, str]:
    """A new hall-screen link for ``campaign``; returns it and its secret (shown only now)."""
    label = label.strip()
    if not label or len(label) > 100:
        raise InvalidInput([InputProblem("请填写大屏的放置地点(100 字以内)。")])
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        link = ScreenLink.objects.create(
            campaign=campaign,
            label=label,
            token_hash=screen_token_hash(token),
            issued_by=actor if getattr(actor, "pk", None) else None,
        )
        record(
            "screen.issue",
            actor=actor,
            obj=link,
            campaign_code=campaign.code,
            detail={"label": label},
        )
    return link, token


def do_revoke_screen_link(actor: Any, link: ScreenLink) -> ScreenLink:
    """Stop the link working at once (its screen shows "not found" at its next refresh)."""
    with transaction.atomic():
        link = ScreenLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            record(
                "screen.revoke",
                actor=actor,
                obj=link,
                campaign_code=link.campaign.code,
                detail={"label": link.label},
            )
    return link


def screen_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
