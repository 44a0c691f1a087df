"""The report page: generating the analysis report and the ZIP of report cards, and downloads.

Organisers generate (an audited action); organisers and leaders download the
analysis report of any campaign; only organisers the ZIP of every unit's card.
Nobody else ever reaches these pages. A queued job's progress is a small
fragment the page polls with htmx (no inline script: the CSP forbids it).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from minping.campaigns.models import Campaign
from minping.orgs.access import is_organiser, require
from minping.orgs.models import Role
from minping.reports.actions import do_request_report, runs_inline
from minping.reports.fonts import font_report
from minping.reports.models import ReportJob
from minping.scoring.models import ResultSnapshot

STAFF = (Role.ORGANISER, Role.LEADER)
POLL_SECONDS = 2
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
CARD_KINDS = (ReportJob.Kind.CARDS_PDF, ReportJob.Kind.CARDS_DOCX)


def _campaign(code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404("没有这个评议活动")
    return campaign


def _latest_job(campaign: Campaign, kinds: tuple[str, ...]) -> ReportJob | None:
    return campaign.report_jobs.filter(kind__in=kinds).select_related("snapshot").first()


@require(*STAFF)
@require_GET
def report_page(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    snapshots = list(campaign.snapshots.order_by("-computed_at", "-pk")[:10])
    latest = snapshots[0] if snapshots else None
    organiser = is_organiser(request.user)
    context = {
        "campaign": campaign,
        "snapshots": snapshots,
        "latest": latest,
        "analysis": _latest_job(campaign, (ReportJob.Kind.ANALYSIS,)),
        "cards": _latest_job(campaign, CARD_KINDS) if organiser else None,
        "is_organiser": organiser,
        "background": latest is not None and not runs_inline(latest, ReportJob.Kind.ANALYSIS),
        "fonts": font_report(),
        "poll": POLL_SECONDS,
    }
    return render(request, "reports/report_page.html", context)


@require(Role.ORGANISER)
@require_POST
def generate(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    kind = request.POST.get("kind", "")
    if kind not in ReportJob.Kind.values:
        messages.error(request, "请选择要生成的内容。")
        return redirect("report-page", code=code)
    chosen = request.POST.get("snapshot", "")
    snapshots = campaign.snapshots.order_by("-computed_at", "-pk")
    snapshot: ResultSnapshot | None = (
        snapshots.filter(pk=int(chosen)).first() if chosen.isdigit() else snapshots.first()
    )
    if snapshot is None:
        missing = "没有这份计算结果" if chosen else "本活动还没有计算结果"
        messages.error(request, f"{missing},请先计算结果再生成报告。")
        return redirect("report-page", code=code)
    job = do_request_report(request.user, snapshot, kind)
    label = ReportJob.Kind(kind).label
    if job.state == ReportJob.State.DONE:
        messages.success(request, f"{label}已生成,可以下载。")
    elif job.state == ReportJob.State.FAILED:
        messages.error(request, f"{label}未能生成:{job.error}")
    else:
        messages.success(request, f"{label}已开始在后台生成,本页会显示进度。")
    return redirect("report-page", code=code)


@require(*STAFF)
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress, fetched by htmx every POLL_SECONDS until it is finished."""
    job = ReportJob.objects.filter(pk=pk).select_related("snapshot", "campaign").first()
    if job is None or (job.kind in CARD_KINDS and not is_organiser(request.user)):
        raise Http404("没有这个报告")
    response = render(
        request, "reports/_job.html", {"job": job, "poll": POLL_SECONDS, "live": True}
    )
    response["Cache-Control"] = "no-store"
    return response


def _send(job: ReportJob, field: str, name: str, fmt: str) -> FileResponse:
    stored = getattr(job, field)
    if job.state != ReportJob.State.DONE or not stored:
        raise Http404("报告尚未生成或已被更新的版本替换")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("报告文件已不存在") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download_name(job: ReportJob, suffix: str, fmt: str) -> str:
    stamp = f"{job.snapshot.computed_at:%Y%m%d}"
    title = "".join(c for c in job.campaign.title if c not in '\\/:*?"<>|').strip()
    return f"{title}{suffix}({stamp}).{fmt}"


@require(*STAFF)
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """The analysis report, as Word or PDF: organisers and leaders, any campaign."""
    job = ReportJob.objects.filter(pk=pk, kind=ReportJob.Kind.ANALYSIS).first()
    if job is None or fmt not in ("docx", "pdf"):
        raise Http404("没有这个报告")
    return _send(job, fmt, download_name(job, "分析报告", fmt), fmt)


@require(Role.ORGANISER)
@require_GET
def cards_download(request: HttpRequest, pk: int) -> FileResponse:
    """Every unit's report card in one ZIP: the organiser only."""
    job = ReportJob.objects.filter(pk=pk, kind__in=CARD_KINDS).first()
    if job is None:
        raise Http404("没有这个文件")
    return _send(job, "archive", download_name(job, "单位成绩单", "zip"), "zip")
