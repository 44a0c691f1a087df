"""Imports in the browser: upload, check, preview, confirm, progress, every problem, templates.

The organiser imports; a leader sees the history and each job, read-only. The
work itself is ``campaigns.import_jobs``, which calls the same actions as
``minping import``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from minping.campaigns import import_jobs
from minping.campaigns.batches import KIND_NAMES
from minping.campaigns.import_kinds import KINDS, ImportKind, example_rows
from minping.campaigns.models import Campaign, ImportBatch, ImportJob
from minping.console.forms import ImportForm
from minping.console.views.common import role_context
from minping.lib.errors import InvalidInput
from minping.lib.passive import leaves_session
from minping.lib.sheets import XLSX_TYPE, Book, CsvWriter, fill_sheet, text_csv
from minping.orgs.access import require
from minping.orgs.models import Role

STAFF = (Role.ORGANISER, Role.LEADER)
State = ImportJob.State
HISTORY = 100
# An .xlsx sheet holds 1,048,576 rows; a list of problems longer than this is a CSV.
XLSX_PROBLEMS = 100_000


def _job(pk: int) -> ImportJob:
    job = (
        ImportJob.objects.select_related("campaign", "created_by", "confirmed_by", "batch")
        .filter(pk=pk)
        .first()
    )
    if job is None:
        raise Http404("没有这次导入")
    return job


def _chosen_campaign(request: HttpRequest) -> Campaign | None:
    code = request.GET.get("campaign", "")
    campaign = Campaign.objects.filter(code=code).first() if code else None
    return campaign or Campaign.objects.first()


@require(*STAFF)
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload form, the template files, and every import made so far."""
    campaign = _chosen_campaign(request)
    form = ImportForm(initial={"campaign": campaign.code if campaign else None})
    return _list_page(request, form, campaign, [])


def _list_page(
    request: HttpRequest, form: ImportForm, campaign: Campaign | None, problems: list[str]
) -> HttpResponse:
    jobs = list(ImportJob.objects.select_related("campaign", "created_by")[:HISTORY])
    others = list(ImportBatch.objects.filter(job__isnull=True).select_related("campaign")[:HISTORY])
    for job in jobs:
        job.kind_name = KIND_NAMES.get(job.kind, "")  # type: ignore[attr-defined]
    for batch in others:
        batch.kind_name = KIND_NAMES.get(batch.kind, "")  # type: ignore[attr-defined]
    context = {
        "form": form,
        "problems": problems,
        "campaign": campaign,
        "campaigns": Campaign.objects.all(),
        "kinds": list(KINDS.values()),
        "jobs": jobs,
        "others": others,
        "background_rows": import_jobs.background_rows(),
        **role_context(request),
    }
    return render(request, "console/imports/list.html", context)


@require(Role.ORGANISER)
@require_POST
def import_new(request: HttpRequest) -> HttpResponse:
    """Keep the uploaded file and check it: here when small, in the background when large."""
    form = ImportForm(request.POST, request.FILES)
    campaign = Campaign.objects.filter(code=request.POST.get("campaign", "")).first()
    if not form.is_valid():
        return _list_page(request, form, campaign, [])
    kind = KINDS[form.cleaned_data["kind"]]
    campaign = form.cleaned_data["campaign"] if kind.per_campaign else None
    try:
        job = import_jobs.create_job(kind, campaign, form.cleaned_data["file"], request.user)
    except InvalidInput as error:
        return _list_page(request, form, campaign, [str(p) for p in error.problems])
    import_jobs.start(job)
    return redirect("console:import", pk=job.pk)


@require(*STAFF)
@leaves_session
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress, its preview, its problems or its result."""
    job = _job(pk)
    kind = KINDS[job.kind]
    context = {
        "job": job,
        "kind": kind,
        **_progress_context(job),
        "more_problems": max(job.problems_total - len(job.problems), 0),
        "xlsx_problems": XLSX_PROBLEMS,
        **role_context(request),
    }
    return render(request, "console/imports/job.html", context)


@require(*STAFF)
@leaves_session
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by the job page; tells the page to reload when it has news."""
    job = _job(pk)
    context = {"job": job, **_progress_context(job)}
    response = render(request, "console/imports/_progress.html", context)
    if not context["running"]:
        response["HX-Refresh"] = "true"
    return response


def _progress_context(job: ImportJob) -> dict[str, Any]:
    stalled = import_jobs.is_stalled(job)
    running = job.state in (State.WAITING, State.CHECKING, State.STORING) and not stalled
    return {
        "running": running,
        "stalled": stalled,
        "progress": import_jobs.live_progress(job) if running else None,
        "can_restart": import_jobs.can_restart(job),
        "waiting_long": import_jobs.waiting_long(job),
    }


@require(Role.ORGANISER)
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if not import_jobs.confirm(job, request.user):
        messages.error(request, "这个文件现在不能导入(没有通过检查,或已经导入、已放弃)。")
    return redirect("console:import", pk=job.pk)


@require(Role.ORGANISER)
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if import_jobs.cancel(job):
        messages.success(request, f"已放弃导入“{job.filename}”,上传的文件已删除。")
    else:
        messages.error(request, "正在检查或导入的文件不能放弃。")
    return redirect("console:import", pk=job.pk)


@require(Role.ORGANISER)
@require_POST
def import_restart(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if not import_jobs.restart(job):
        messages.error(request, "只有中断了的导入可以重新开始。")
    return redirect("console:import", pk=job.pk)


@require(*STAFF)
def import_problems(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Every problem the last check or import found, as CSV, or .xlsx up to XLSX_PROBLEMS."""
    job = _job(pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("没有这种格式")
    header = ["行号", "列", "问题"]
    every = import_jobs.problem_rows(job)
    rows = ((line or "", column, message) for line, column, message in every)
    stem = PurePath(job.filename).stem
    if fmt == "csv":
        stream: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            _csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        book = Book()
        kept = [row for _, row in zip(range(XLSX_PROBLEMS), rows, strict=False)]
        fill_sheet(book.sheet("错误"), header, kept)
        stream = HttpResponse(book.bytes(), content_type=XLSX_TYPE)
    stream["Content-Disposition"] = content_disposition_header(True, f"{stem}-错误.{fmt}") or ""
    return stream  # type: ignore[return-value]


def _csv_lines(header: list[str], rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    yield text_csv([header])
    buffer = io.StringIO()
    writer = CsvWriter(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@require(*STAFF)
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A file to fill in: the header in Chinese and example rows (from the chosen campaign)."""
    found = KINDS.get(kind)
    if found is None or fmt not in ("csv", "xlsx"):
        raise Http404("没有这种导入")
    campaign = None
    if found.per_campaign:
        campaign = Campaign.objects.filter(code=request.GET.get("campaign", "")).first()
    header, rows = template_rows(found, campaign)
    name = f"{found.name}导入模板"
    if fmt == "csv":
        response = HttpResponse(text_csv([header, *rows]), content_type="text/csv; charset=utf-8")
    else:
        book = Book()
        fill_sheet(book.sheet(name), header, rows)
        fill_sheet(book.sheet("填写说明"), ["列名", "是否必填", "填写说明"], _notes(found))
        response = HttpResponse(book.bytes(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}") or ""
    return response


def template_rows(kind: ImportKind, campaign: Campaign | None) -> tuple[list[str], list[list[str]]]:
    header = kind.headers()
    rows = [row + [""] * (len(header) - len(row)) for row in example_rows(kind, campaign)]
    return header, rows


def _notes(kind: ImportKind) -> list[list[str]]:
    rows = [[name, "必填" if needed else "可不填", note] for name, needed, note in kind.described()]
    rows.append(["", "", "只导入第一个工作表;第一行为列名,列的顺序不限,不认识的列不导入。"])
    rows.append(["", "", "示例行请换成实际数据。"])
    rows.append(["", "", "有任何错误时整个文件都不导入,并列出每处错误的行号和列名。"])
    return rows
