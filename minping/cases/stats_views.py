"""Monthly statistics page and its Excel file (R-33); overdue replies feed deduction proposals."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from minping.campaigns.models import Campaign
from minping.cases import actions
from minping.cases.access import visible_cases
from minping.cases.actions import CaseActionRefused
from minping.cases.exports import stats_workbook
from minping.cases.stats import month_range, monthly
from minping.lib.sheets import XLSX_TYPE
from minping.orgs.access import is_organiser, require
from minping.orgs.models import Role


def _month(request: HttpRequest) -> str:
    return request.GET.get("month") or request.POST.get("month") or f"{timezone.localdate():%Y-%m}"


@require(Role.ORGANISER, Role.LEADER)
def stats(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    try:
        figures = monthly(visible_cases(request.user), month)
    except ValueError as bad:
        messages.error(request, str(bad))
        month = f"{timezone.localdate():%Y-%m}"
        figures = monthly(visible_cases(request.user), month)
    return render(
        request,
        "cases/stats.html",
        {
            "stats": figures,
            "month": month,
            "organiser": is_organiser(request.user),
            "leader": True,  # organisers and leaders only reach this page
            "campaigns": Campaign.objects.all(),
        },
    )


@require(Role.ORGANISER, Role.LEADER)
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    try:
        figures = monthly(visible_cases(request.user), month)
    except ValueError as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(stats_workbook(figures), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="cases-{month}.xlsx"'
    return response


@require(Role.ORGANISER)
@require_POST
def propose_overdue(request: HttpRequest) -> HttpResponse:
    """Propose the campaign's deduction for each case that went overdue in the month."""
    month = _month(request)
    try:
        start, end = month_range(month)
        campaign = Campaign.objects.filter(code=request.POST.get("campaign", "")).first()
        if campaign is None:
            raise CaseActionRefused("请选择评议活动。")
        proposed = actions.do_propose_overdue_deductions(
            campaign, start=start, end=end, actor=request.user
        )
        messages.success(request, f"已提出 {len(proposed)} 条超期答复减分,须经签认后才计入得分。")
    except (ValueError, CaseActionRefused) as refused:
        messages.error(request, getattr(refused, "message", str(refused)))
    return redirect(reverse("cases:stats") + f"?month={month}")
