"""The department portal: a unit's released results, submissions, findings and cases.

A liaison sees only their unit and its parts (DESIGN principle 3); every unit
is fetched through ``get_unit_for_user``. Visit findings are shown without the
inspector's name (R-15).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minping.campaigns.models import Campaign
from minping.console.forms import SubmissionForm
from minping.lib.downloads import serve_upload
from minping.lib.errors import InvalidInput
from minping.orgs.access import get_unit_for_user, has_role, require, visible_units
from minping.orgs.models import Role, Unit
from minping.oversight.access import get_submission_for_user
from minping.oversight.actions import do_submit
from minping.oversight.models import Submission, SubmissionRequirement, Visit, submitted_on
from minping.reports.views import Layout, grade_label, results_layout
from minping.scoring.models import ResultSnapshot

PORTAL = (Role.LIAISON, Role.ORGANISER, Role.LEADER)


@require(Role.LIAISON)
def portal_home(request: HttpRequest) -> HttpResponse:
    units = list(
        visible_units(request.user).filter(Q(parent__isnull=True) | Q(group__isnull=False))
    )
    if len(units) == 1:
        return redirect("console:portal-unit", unit=units[0].code)
    return render(request, "portal/home.html", {"units": units})


def _requirement_rows(campaign: Campaign, unit: Unit) -> list[dict[str, Any]]:
    submitted = {
        s.requirement_id: s
        for s in Submission.objects.filter(requirement__campaign=campaign, unit=unit)
    }
    today = timezone.localdate()
    rows = []
    for req in campaign.requirements.all():
        sub = submitted.get(req.pk)
        if sub is not None:
            late = submitted_on(sub.submitted_at) > req.due
            state = ("late", "逾期报送") if late else ("on-time", "已报送")
        elif today > req.due:
            state = ("missing", "已逾期,请尽快报送")
        else:
            state = ("pending", f"请于 {req.due:%Y年%-m月%-d日} 前报送")
        rows.append({"requirement": req, "submission": sub, "state": state})
    return rows


@require(*PORTAL)
def unit_portal(request: HttpRequest, unit: str) -> HttpResponse:
    found = get_unit_for_user(request, unit)
    campaigns = []
    for campaign in Campaign.taking_part([found]):
        snapshot = ResultSnapshot.released(campaign)
        row = snapshot.unit(found.code) if snapshot else None
        campaigns.append(
            {
                "campaign": campaign,
                "row": row,
                "grade_label": grade_label(row) if row else "",
                "layout": results_layout(snapshot.results) if snapshot else Layout(),
                "requirements": _requirement_rows(campaign, found),
            }
        )
    findings = Visit.objects.filter(unit=found).select_related("campaign").order_by("-date")[:20]
    context = {
        "unit": found,
        "parts": found.children.order_by("code"),
        "campaigns": campaigns,
        "findings": findings,
        "form": SubmissionForm(),
        "may_submit": has_role(request.user, Role.LIAISON),
    }
    return render(request, "portal/unit.html", context)


@require(*PORTAL)
def unit_results(request: HttpRequest, unit: str, code: str) -> HttpResponse:
    """The unit's released results with the working of every figure."""
    found = get_unit_for_user(request, unit)
    campaign = next((c for c in Campaign.taking_part([found]) if c.code == code), None)
    if campaign is None:
        raise Http404("本单位未参加这个评议活动")
    snapshot = ResultSnapshot.released(campaign)
    row = snapshot.unit(found.code) if snapshot else None
    breakdown = snapshot.breakdown.get("units", {}).get(found.code, {}) if snapshot else {}
    methods = []
    for method in campaign.methods.all():
        figure = (row or {}).get("methods", {}).get(method.code)
        working = (breakdown.get("methods") or {}).get(method.code)
        rank = (row or {}).get("method_ranks", {}).get(method.code)
        methods.append({"method": method, "figure": figure, "working": working, "rank": rank})
    context = {
        "unit": found,
        "campaign": campaign,
        "snapshot": snapshot,
        "row": row,
        "grade_label": grade_label(row or {}),
        "layout": results_layout(snapshot.results) if snapshot else Layout(),
        "methods": methods,
        "breakdown": breakdown,
        # Only what counted: a proposal still under review is not the unit's business yet.
        "deductions": [d for d in breakdown.get("deductions", []) if d.get("counted")],
    }
    return render(request, "portal/results.html", context)


@require(Role.LIAISON)
@require_POST
def submit(request: HttpRequest, unit: str, pk: int) -> HttpResponse:
    found = get_unit_for_user(request, unit)
    requirement = SubmissionRequirement.objects.filter(pk=pk).select_related("campaign").first()
    if requirement is None or requirement.campaign not in Campaign.taking_part([found]):
        raise Http404("没有这项报送要求")
    form = SubmissionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, ";".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("console:portal-unit", unit=found.code)
    try:
        submission = do_submit(
            requirement,
            found,
            actor=request.user,
            text=form.cleaned_data["text"],
            file=form.cleaned_data["file"],
        )
    except InvalidInput as error:
        messages.error(request, f"“{requirement.title}”未报送:" + ";".join(error.lines()[:-1]))
    else:
        note = "(已超过截止日期,组织单位会看到逾期)" if submission.late else ""
        messages.success(request, f"已报送“{requirement.title}”{note}。")
    return redirect("console:portal-unit", unit=found.code)


@require(*PORTAL)
def submission_file(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk)
    return serve_upload(submission.file, submission.file_type)
