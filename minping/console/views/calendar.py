"""The working-day calendar (节假日与调休, R-28): organisers keep it, leaders look at it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from minping.console.forms import CalendarDayForm, CalendarImportForm
from minping.console.views.common import role_context
from minping.lib.errors import InvalidInput
from minping.lib.models import CalendarDay, CalendarYear
from minping.lib.uploads import MAX_UPLOAD
from minping.lib.workdays import official_days
from minping.ops.calendar_actions import (
    FIRST_YEAR,
    LAST_YEAR,
    do_confirm_year,
    do_import_file,
    do_import_text,
    do_remove_day,
    do_set_day,
    do_withdraw_year,
)
from minping.orgs.access import require
from minping.orgs.models import Role

STAFF = (Role.ORGANISER, Role.LEADER)
WEEKDAYS = "一二三四五六日"


def _year(text: str | None) -> int:
    if text and text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return timezone.localdate().year


def _page(request: HttpRequest, year: int) -> str:
    return f"{reverse('console:calendar')}?year={year}"


def _context(request: HttpRequest, year: int, **extra: Any) -> dict[str, Any]:
    official = official_days(year)
    by_date = {day.date: day for day in official or []}
    entries = {e.date: e for e in CalendarDay.objects.filter(date__year=year)}
    rows = []
    for date in sorted(by_date.keys() | entries.keys()):
        official_day, entry = by_date.get(date), entries.get(date)
        official_name = official_day.name if official_day else ""
        if entry is not None:
            works, note = entry.is_workday, entry.note or official_name
        else:
            assert official_day is not None
            works, note = official_day.is_workday, official_name
        rows.append(
            {
                "date": date,
                "weekday": f"周{WEEKDAYS[date.weekday()]}",
                "works": works,
                "official": official_day,
                "entry": entry,
                "note": note,
            }
        )
    return {
        "year": year,
        "rows": rows,
        "bundled": official is not None,
        "confirmed": CalendarYear.objects.filter(year=year).first(),
        "day_form": extra.pop("day_form", None) or CalendarDayForm(),
        "import_form": extra.pop("import_form", None) or CalendarImportForm(),
        "years": [y for y in (year - 1, year + 1) if FIRST_YEAR <= y <= LAST_YEAR],
        **role_context(request),
        **extra,
    }


@require(*STAFF)
def calendar(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    return render(request, "console/calendar.html", _context(request, year))


@require(Role.ORGANISER)
@require_POST
def day_set(request: HttpRequest) -> HttpResponse:
    form = CalendarDayForm(request.POST)
    year = _year(request.POST.get("year"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = do_set_day(
                data["date"],
                is_workday=data["kind"] == "work",
                note=data["note"],
                actor=request.user,
            )
        except InvalidInput as error:
            context = _context(request, year, day_form=form, day_problems=error.lines())
            return render(request, "console/calendar.html", context)
        messages.success(request, f"已保存:{entry.date:%Y年%m月%d日} {entry.kind}。")
        return redirect(_page(request, entry.date.year))
    context = _context(request, year, day_form=form)
    return render(request, "console/calendar.html", context)


@require(Role.ORGANISER)
@require_POST
def day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = CalendarDay.objects.filter(pk=pk).first()
    if entry is None:
        messages.error(request, "没有这一天的记录。")
        return redirect(_page(request, _year(request.POST.get("year"))))
    do_remove_day(entry, actor=request.user)
    messages.success(request, f"已删除 {entry.date:%Y年%m月%d日} 的记录。")
    return redirect(_page(request, entry.date.year))


@contextmanager
def stored_upload(upload: UploadedFile) -> Iterator[Path]:
    """The uploaded file in a temporary folder under its own name (messages cite it)."""
    name = PurePath(upload.name or "").name
    if name in ("", ".", ".."):
        name = "表格"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path


@require(Role.ORGANISER)
@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    form = CalendarImportForm(request.POST, request.FILES)
    year = _year(request.POST.get("year"))
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        text = form.cleaned_data.get("text") or ""
        complete = form.cleaned_data.get("complete", False)
        if upload is None and not text.strip():
            problems = ["请上传表格,或在文本框中粘贴各行。"]
        elif upload is not None and (upload.size or 0) > MAX_UPLOAD:
            problems = ["文件超过 20 MB,不像是放假安排,请核对。"]
        else:
            try:
                if upload is not None:
                    with stored_upload(upload) as path:
                        outcome = do_import_file(path, actor=request.user, complete=complete)
                else:
                    outcome = do_import_text(text, actor=request.user, complete=complete)
            except InvalidInput as error:
                problems = error.lines()
            else:
                done = (
                    f"已导入:新增 {outcome['created']} 天,更改 {outcome['updated']} 天,"
                    f"未变 {outcome['unchanged']} 天。"
                )
                if outcome["confirmed"]:
                    years = "、".join(f"{y} 年" for y in outcome["confirmed"])
                    done += f"已确认 {years}录入完毕。"
                messages.success(request, done)
                return redirect(_page(request, outcome["years"][0]))
    context = _context(request, year, import_form=form, import_problems=problems)
    return render(request, "console/calendar.html", context)


@require(Role.ORGANISER)
@require_POST
def year_state(request: HttpRequest, year: int) -> HttpResponse:
    """Confirm that a year is entered whole, or withdraw the confirmation."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        messages.error(request, f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 年之间。")
        return redirect(_page(request, timezone.localdate().year))
    if request.POST.get("step") == "withdraw":
        entry = CalendarYear.objects.filter(year=year).first()
        if entry is not None:
            do_withdraw_year(entry, actor=request.user)
            messages.success(request, f"已撤销确认:{year} 年的期限将无法计算,直到再次确认。")
        return redirect(_page(request, year))
    try:
        do_confirm_year(year, actor=request.user, note=request.POST.get("note", "").strip())
    except InvalidInput as error:
        for line in error.problems:
            messages.error(request, str(line))
    else:
        messages.success(request, f"已确认 {year} 年录入完毕:截止日期落在该年的期限现在可以计算。")
    return redirect(_page(request, year))
