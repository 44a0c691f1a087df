"""Computing, checking, approving and publishing a campaign's results (R-23, R-37).

Organisers and leaders open the page for every campaign; an approver only for a
campaign whose results their body approves (any other is not even said to exist).
Each button is one action of ``scoring.actions``, which refuses a step out of order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.campaigns.models import Campaign
from minping.console.views.common import get_campaign, role_context
from minping.orgs.access import has_role, require, source_codes
from minping.orgs.models import Role
from minping.reports.compare import Comparison, compare, previous
from minping.reports.views import (
    Layout,
    group_tables,
    missing_lines,
    results_layout,
    tables_key,
)
from minping.scoring.actions import (
    ResultsRefused,
    do_approve_results,
    do_compute_results,
    do_publish_results,
    do_release_results,
    do_return_results,
    do_submit_results,
)
from minping.scoring.late_data import late_data
from minping.scoring.models import (
    APPROVED,
    COMPUTED,
    PUBLISHED,
    RELEASED,
    SUBMITTED,
    ResultSnapshot,
)
from minping.scoring.staleness import changes_since

STAFF = (Role.ORGANISER, Role.LEADER)


def results_campaign(request: HttpRequest, code: str) -> Campaign:
    """The campaign, for staff; for an approver only if their body approves its results."""
    campaign = get_campaign(code)
    if has_role(request.user, *STAFF):
        return campaign
    if campaign.needs_approval and campaign.approval_code in source_codes(
        request.user, Role.APPROVER
    ):
        return campaign
    raise Http404("没有这个评议活动")


def _snapshot(campaign: Campaign, pk: int) -> ResultSnapshot:
    snapshot = campaign.snapshots.filter(pk=pk).first()
    if snapshot is None:
        raise Http404("没有这份计算结果")
    return snapshot


def _buttons(campaign: Campaign, snapshot: ResultSnapshot, roles: dict[str, bool]) -> list[str]:
    """The steps the signed-in user may take on this snapshot now."""
    if not snapshot.results.get("complete"):
        return []
    state = snapshot.state
    out = []
    if roles["is_organiser"]:
        if not campaign.needs_approval:
            # As before approval existed (a snapshot submitted while the file asked for
            # approval may still be published once it no longer does).
            out += ["publish"] if state != PUBLISHED else []
        elif state == COMPUTED:
            out.append("submit")
        elif state == APPROVED:
            out += ["release", "publish"]
        elif state == RELEASED:
            out.append("publish")
    if roles["is_approver"] and state == SUBMITTED:
        out += ["approve", "return"]
    return out


def _comparison(
    request: HttpRequest, snapshots: list[ResultSnapshot], shown: ResultSnapshot | None
) -> Comparison | None:
    """The two computations asked for (``?a=&b=``), else the one shown and the one before it."""
    by_pk = {s.pk: s for s in snapshots}
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if a.isdigit() and b.isdigit() and int(a) in by_pk and int(b) in by_pk:
        return compare(by_pk[int(a)], by_pk[int(b)])
    if shown is None:
        return None
    earlier = [s for s in snapshots if (s.computed_at, s.pk) < (shown.computed_at, shown.pk)]
    return compare(earlier[0], shown) if earlier else None


@require(*STAFF, Role.APPROVER)
def results(request: HttpRequest, code: str) -> HttpResponse:
    campaign = results_campaign(request, code)
    # The working and the intervals are large; the page shows neither for the older ones.
    recent = campaign.snapshots.order_by("-computed_at", "-pk").defer("breakdown", "certainty")
    snapshots = list(recent[:10])
    latest = snapshots[0] if snapshots else None
    roles = {
        **role_context(request),
        "is_approver": campaign.needs_approval
        and campaign.approval_code in source_codes(request.user, Role.APPROVER),
    }
    # The results shown in full: the one asked for, else the one awaiting approval, else the latest.
    shown = latest
    asked = request.GET.get("snapshot", "")
    if asked.isdigit():
        shown = next((s for s in snapshots if s.pk == int(asked)), latest)
    elif waiting := next((s for s in snapshots if s.state == SUBMITTED), None):
        shown = waiting
    methods = list(campaign.methods.all())
    context = {
        "campaign": campaign,
        "rows": [{"snapshot": s, "buttons": _buttons(campaign, s, roles)} for s in snapshots],
        "latest": latest,
        "shown": shown,
        # Called by the template only when its cached copy of the tables is gone.
        "tables": (lambda: group_tables(campaign, shown.results)) if shown else [],
        "layout": results_layout(shown.results) if shown else Layout(),
        "methods": methods,
        "tables_key": tables_key(campaign, shown, methods),
        "missing": missing_lines(campaign, latest.results) if latest else [],
        "stale": changes_since(latest) if latest else [],
        "comparison": _comparison(request, snapshots, shown),
        "notes": latest.results.get("notes", []) if latest else [],
        "late": [m for item in late_data(campaign) for m in item.messages],
        "pending_reviews": campaign.deductions.filter(status="signed_off").count()
        + campaign.vetoes.filter(status="signed_off").count(),
        **roles,
    }
    return render(request, "console/results.html", context)


@require(Role.ORGANISER)
@require_POST
def compute(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_campaign(code)
    snapshot = do_compute_results(campaign, actor=request.user)
    if not snapshot.results.get("complete"):
        messages.warning(request, "已计算结果,但有单位缺少数据,暂不能发布。")
    elif campaign.needs_approval:
        messages.success(request, f"已计算结果,数据完整,可以上报{campaign.approval_title}审定。")
    else:
        messages.success(request, "已计算结果,数据完整,可以发布。")
    return redirect("console:results", code=code)


def _step(
    request: HttpRequest,
    code: str,
    pk: int,
    action: Callable[..., ResultSnapshot],
    done: Callable[[Campaign], str],
    **kwargs: Any,
) -> HttpResponse:
    campaign = results_campaign(request, code)
    snapshot = _snapshot(campaign, pk)
    try:
        action(snapshot, actor=request.user, **kwargs)
    except ResultsRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done(campaign))
    return redirect("console:results", code=code)


@require(Role.ORGANISER)
def publish_confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Before publishing: what changes against the results out now (or the computation before)."""
    campaign = get_campaign(code)
    snapshot = _snapshot(campaign, pk)
    other = previous(snapshot)
    context = {
        "campaign": campaign,
        "snapshot": snapshot,
        "comparison": compare(other, snapshot) if other else None,
        "stale": changes_since(snapshot),
        "may_publish": "publish"
        in _buttons(campaign, snapshot, {**role_context(request), "is_approver": False}),
    }
    return render(request, "console/publish_confirm.html", context)


@require(Role.ORGANISER)
@require_POST
def publish(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    def done(campaign: Campaign) -> str:
        whom = "已向社会公开" if campaign.publish else "按活动规定只发给各单位和领导,不向社会公开"
        return f"结果已发布({whom})。"

    return _step(request, code, pk, do_publish_results, done)


@require(Role.ORGANISER)
@require_POST
def submit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _step(request, code, pk, do_submit_results, lambda c: f"已上报{c.approval_title}审定。")


@require(Role.APPROVER)
@require_POST
def approve(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _step(request, code, pk, do_approve_results, lambda c: "已审定通过。")


@require(Role.APPROVER)
@require_POST
def send_back(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:2000]
    return _step(request, code, pk, do_return_results, lambda c: "已退回组织单位。", reason=reason)


@require(Role.ORGANISER)
@require_POST
def release(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _step(
        request,
        code,
        pk,
        do_release_results,
        lambda c: "已通报各单位:各单位联络员现在可以看到本单位的结果。",
    )
