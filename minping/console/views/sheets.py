"""Score sheets (评分表, R-16, R-17): the organiser assigns raters and follows who has
submitted; a rater fills and submits their sheet. Rules: ``campaigns.sheets``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.campaigns.models import Campaign, Method, MethodScore, ScoreSheet, SheetLine
from minping.campaigns.sheet_actions import (
    do_assign,
    do_assign_peers,
    do_correct_score,
    do_fill,
    do_reopen,
    do_unassign,
)
from minping.campaigns.sheets import has_imported_scores, home_units, plain, rater_name, raters
from minping.console.views.common import get_campaign, role_context
from minping.lib.errors import InvalidInput
from minping.orgs.access import require
from minping.orgs.models import Membership, Role, Unit

STAFF = (Role.ORGANISER, Role.LEADER)


def _method(campaign: Campaign, code: str) -> Method:
    method = Method.objects.filter(campaign=campaign, code=code, input=Method.SCORES).first()
    if method is None:
        raise Http404("没有这个按得分计的评议方法")
    return method


def _unit_label(unit: Unit) -> str:
    """A unit as people know it: a window with its department, never a code."""
    return f"{unit.name}({unit.parent.name})" if unit.parent_id and unit.parent else unit.name


def _units_taking_part(campaign: Campaign) -> list[Unit]:
    taking_part = campaign.participation()
    return list(
        Unit.objects.filter(pk__in=taking_part.ids(taking_part.taking_part()))
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def _chosen_units(request: HttpRequest, campaign: Campaign) -> list[Unit]:
    """The units ticked on a picker, among those taking part (anything else is ignored)."""
    ids = {int(v) for v in request.POST.getlist("units") if v.isdigit()}
    return [u for u in _units_taking_part(campaign) if u.pk in ids]


def _sheet_rows(method: Method) -> list[dict[str, Any]]:
    sheets = (
        ScoreSheet.objects.filter(method=method)
        .select_related("rater")
        .annotate(
            assigned=Count("lines"), filled=Count("lines", filter=Q(lines__score__isnull=False))
        )
        .order_by(F("submitted_at").asc(nulls_first=True), "rater__username")
    )
    homes: dict[int, list[str]] = {}
    for m in Membership.objects.filter(
        role__in=[Role.LIAISON, Role.RATER], unit__isnull=False, user__score_sheets__method=method
    ).select_related("unit"):
        homes.setdefault(m.user_id, []).append(m.unit.name if m.unit else "")
    return [
        {
            "sheet": s,
            "name": rater_name(s.rater),
            "homes": "、".join(sorted(set(homes.get(s.rater_id, [])))) or "—",
        }
        for s in sheets
    ]


def _unit_rows(method: Method) -> list[dict[str, Any]]:
    counts = (
        SheetLine.objects.filter(sheet__method=method)
        .values("unit_id")
        .annotate(
            assigned=Count("pk"), submitted=Count("pk", filter=Q(sheet__submitted_at__isnull=False))
        )
        .order_by()
    )
    by_unit = {row["unit_id"]: row for row in counts}
    scores = dict(MethodScore.objects.filter(method=method).values_list("unit_id", "score"))
    units = Unit.objects.filter(pk__in=by_unit).select_related("parent").order_by("name")
    return [
        {
            "label": _unit_label(u),
            "assigned": by_unit[u.pk]["assigned"],
            "submitted": by_unit[u.pk]["submitted"],
            "score": plain(scores.get(u.pk)),
        }
        for u in units
    ]


def _method_page(
    request: HttpRequest, campaign: Campaign, method: Method, **extra: Any
) -> HttpResponse:
    units = _units_taking_part(campaign)
    raters_by_unit: dict[int, int] = dict(
        Membership.objects.filter(role=Role.RATER, unit__in=units)
        .values_list("unit_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    people = [
        {"user": u, "label": rater_name(u) + _homes_text(u)} for u in raters().order_by("username")
    ]
    context = {
        "campaign": campaign,
        "method": method,
        "imported": has_imported_scores(method),
        "sheets": _sheet_rows(method),
        "units_scored": _unit_rows(method),
        "units": [{"unit": u, "label": _unit_label(u)} for u in units],
        "peer_units": [
            {"unit": u, "label": f"{_unit_label(u)} · {raters_by_unit[u.pk]} 名评分人"}
            for u in units
            if u.pk in raters_by_unit
        ],
        "raters": people,
        **role_context(request),
        **extra,
    }
    return render(request, "console/sheet_method.html", context)


def _homes_text(user: User) -> str:
    homes = home_units(user)
    return f"({'、'.join(h.name for h in homes)})" if homes else "(不属于参评单位)"


@require(*STAFF)
def methods(request: HttpRequest, code: str) -> HttpResponse:
    """The campaign's methods scored on sheets or files, with who has submitted."""
    campaign = get_campaign(code)
    rows = []
    for method in campaign.methods.filter(input=Method.SCORES):
        sheets = method.sheets.aggregate(
            total=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False))
        )
        rows.append({"method": method, "imported": has_imported_scores(method), **sheets})
    context = {"campaign": campaign, "rows": rows, **role_context(request)}
    return render(request, "console/sheet_methods.html", context)


@require(*STAFF)
def method_sheets(request: HttpRequest, code: str, method: str) -> HttpResponse:
    campaign = get_campaign(code)
    return _method_page(request, campaign, _method(campaign, method))


@require(Role.ORGANISER)
@require_POST
def assign(request: HttpRequest, code: str, method: str) -> HttpResponse:
    campaign = get_campaign(code)
    found = _method(campaign, method)
    chosen = request.POST.get("rater", "")
    rater = raters().filter(pk=int(chosen)).first() if chosen.isdigit() else None
    units = _chosen_units(request, campaign)
    # A refused form comes back as it was filled in.
    kept = {"chosen_rater": rater.pk if rater else None, "chosen": {u.pk for u in units}}
    if rater is None:
        return _method_page(request, campaign, found, assign_problems=["请选择评分人。"], **kept)
    try:
        added = do_assign(found, rater, units, actor=request.user)
    except InvalidInput as error:
        return _method_page(request, campaign, found, assign_problems=error.lines(), **kept)
    messages.success(request, f"已给{rater_name(rater)}指派 {added} 个单位。")
    return redirect("console:sheet-method", code=code, method=method)


@require(Role.ORGANISER)
@require_POST
def assign_peers(request: HttpRequest, code: str, method: str) -> HttpResponse:
    campaign = get_campaign(code)
    found = _method(campaign, method)
    units = _chosen_units(request, campaign)
    try:
        outcome = do_assign_peers(found, units, actor=request.user)
    except InvalidInput as error:
        kept = {"peers_chosen": {u.pk for u in units}}
        return _method_page(request, campaign, found, peer_problems=error.lines(), **kept)
    text = f"已安排互评:{outcome.raters} 名评分人,共指派 {outcome.assigned} 个单位。"
    if outcome.without_raters:
        names = "、".join(_unit_label(u) for u in outcome.without_raters)
        text += f"以下单位没有评分人账号,只被评、不评别人:{names}。"
    messages.success(request, text)
    return redirect("console:sheet-method", code=code, method=method)


@require(Role.ORGANISER)
@require_POST
def unassign(request: HttpRequest, code: str, method: str, pk: int) -> HttpResponse:
    campaign = get_campaign(code)
    found = _method(campaign, method)
    line = SheetLine.objects.filter(pk=pk, sheet__method=found).select_related("unit").first()
    if line is None:
        messages.error(request, "没有这项指派。")
    else:
        try:
            do_unassign(line, actor=request.user)
        except InvalidInput as error:
            messages.error(request, ";".join(str(p) for p in error.problems))
        else:
            messages.success(request, f"已取消对{line.unit.name}的指派。")
    return redirect("console:sheet-method", code=code, method=method)


def _sheet(method: Method, pk: int) -> ScoreSheet:
    sheet = ScoreSheet.objects.filter(pk=pk, method=method).select_related("rater").first()
    if sheet is None:
        raise Http404("没有这张评分表")
    return sheet


def _lines(sheet: ScoreSheet) -> list[dict[str, Any]]:
    return [
        {"line": line, "label": _unit_label(line.unit), "score": plain(line.score)}
        for line in sheet.lines.select_related("unit__parent").order_by("unit__name")
    ]


@require(*STAFF)
def sheet_review(request: HttpRequest, code: str, method: str, pk: int) -> HttpResponse:
    """One rater's sheet as the organiser sees it: correct a score, or return the sheet."""
    campaign = get_campaign(code)
    found = _method(campaign, method)
    sheet = _sheet(found, pk)
    context = {
        "campaign": campaign,
        "method": found,
        "sheet": sheet,
        "name": rater_name(sheet.rater),
        "lines": _lines(sheet),
        **role_context(request),
    }
    return render(request, "console/sheet_review.html", context)


@require(Role.ORGANISER)
@require_POST
def sheet_reopen(request: HttpRequest, code: str, method: str, pk: int) -> HttpResponse:
    campaign = get_campaign(code)
    sheet = _sheet(_method(campaign, method), pk)
    try:
        do_reopen(sheet, reason=request.POST.get("reason", ""), actor=request.user)
    except InvalidInput as error:
        messages.error(request, ";".join(str(p) for p in error.problems))
    else:
        messages.success(request, f"已把{rater_name(sheet.rater)}的评分表退回,可以重新填写。")
    return redirect("console:sheet-review", code=code, method=method, pk=pk)


@require(Role.ORGANISER)
@require_POST
def line_correct(request: HttpRequest, code: str, method: str, pk: int) -> HttpResponse:
    campaign = get_campaign(code)
    found = _method(campaign, method)
    line = SheetLine.objects.filter(pk=pk, sheet__method=found).select_related("unit").first()
    if line is None:
        raise Http404("没有这项评分")
    try:
        do_correct_score(
            line,
            request.POST.get("score", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except InvalidInput as error:
        messages.error(request, ";".join(str(p) for p in error.problems))
    else:
        messages.success(request, f"已更正{line.unit.name}的得分。")
    return redirect("console:sheet-review", code=code, method=method, pk=line.sheet_id)


# --- the rater ---------------------------------------------------------------------------


@require(Role.RATER)
def my_sheets(request: HttpRequest) -> HttpResponse:
    sheets = (
        ScoreSheet.objects.filter(rater_id=request.user.pk)
        .select_related("method", "campaign")
        .annotate(assigned=Count("lines"))
        # Sheets still to do first, on SQLite and PostgreSQL alike.
        .order_by(F("submitted_at").asc(nulls_first=True), "-campaign__year", "method__order")
    )
    return render(request, "console/my_sheets.html", {"sheets": sheets})


@require(Role.RATER)
def my_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The rater's own sheet: one score from 0 to 100 for each unit assigned."""
    # Another rater's sheet is not even said to exist.
    sheet = (
        ScoreSheet.objects.filter(pk=pk, rater_id=request.user.pk)
        .select_related("method", "campaign")
        .first()
    )
    if sheet is None:
        raise Http404("没有这张评分表")
    problems: list[str] = []
    typed: dict[int, str] = {}
    if request.method == "POST":
        typed = {
            line.pk: request.POST.get(f"score-{line.pk}", "") for line in sheet.lines.only("pk")
        }
        submit = request.POST.get("step") == "submit"
        try:
            do_fill(sheet, typed, actor=request.user, submit=submit)
        except InvalidInput as error:
            problems = error.lines()
            sheet.refresh_from_db()
            if sheet.submitted:
                typed = {}  # show what was submitted, not what was typed after
        else:
            if submit:
                messages.success(request, "评分表已提交,谢谢!提交后不能再修改。")
            else:
                messages.success(request, "已保存草稿,提交前还可以修改。")
            return redirect("console:my-sheet", pk=sheet.pk)
    lines = _lines(sheet)
    for row in lines:
        if row["line"].pk in typed:
            row["score"] = typed[row["line"].pk]
    context = {"sheet": sheet, "lines": lines, "problems": problems}
    return render(request, "console/my_sheet.html", context)
