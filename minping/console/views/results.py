"""Computing, checking and publishing a campaign's results (R-37)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.console.views.common import get_campaign, role_context
from minping.orgs.access import require
from minping.orgs.models import Role
from minping.scoring.actions import PublishRefused, do_compute_results, do_publish_results

STAFF = (Role.ORGANISER, Role.LEADER)


@require(*STAFF)
def results(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_campaign(code)
    snapshots = list(campaign.snapshots.order_by("-computed_at", "-pk")[:10])
    latest = snapshots[0] if snapshots else None
    context = {
        "campaign": campaign,
        "snapshots": snapshots,
        "latest": latest,
        "missing": latest.results.get("missing", []) if latest else [],
        "notes": latest.results.get("notes", []) if latest else [],
        "pending_reviews": campaign.deductions.filter(status="signed_off").count()
        + campaign.vetoes.filter(status="signed_off").count(),
        **role_context(request),
    }
    return render(request, "console/results.html", context)


@require(Role.ORGANISER)
@require_POST
def compute(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_campaign(code)
    snapshot = do_compute_results(campaign, actor=request.user)
    if snapshot.results.get("complete"):
        messages.success(request, "已计算结果,数据完整,可以发布。")
    else:
        messages.warning(request, "已计算结果,但有单位缺少数据,暂不能发布。")
    return redirect("console:results", code=code)


@require(Role.ORGANISER)
@require_POST
def publish(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = get_campaign(code)
    snapshot = campaign.snapshots.filter(pk=pk).first()
    if snapshot is None:
        messages.error(request, "没有这份计算结果。")
        return redirect("console:results", code=code)
    try:
        do_publish_results(snapshot, actor=request.user)
    except PublishRefused as error:
        messages.error(request, str(error))
    else:
        whom = "已向社会公开" if campaign.publish else "按活动规定只发给各单位和领导,不向社会公开"
        messages.success(request, f"结果已发布({whom})。")
    return redirect("console:results", code=code)
