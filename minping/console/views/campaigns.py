"""The organiser console: campaigns, their definition, stages, requirements and the unit tree."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minping.campaigns.actions import describe_changes, load_campaign
from minping.campaigns.definition import decode_definition, parse_definition
from minping.campaigns.models import Campaign, Method
from minping.cases.stats import campaign_counts
from minping.console.forms import DefinitionForm, EligibilityForm, RequirementForm
from minping.console.views.common import get_campaign, role_context
from minping.lib.errors import InvalidInput
from minping.orgs.access import require
from minping.orgs.models import Role, Unit
from minping.oversight.actions import (
    NotAllowed,
    do_restore_eligibility,
    do_set_requirement,
    do_withdraw_eligibility,
)
from minping.oversight.models import Ineligibility, Submission, SubmissionRequirement, submitted_on
from minping.scoring.late_data import late_data
from minping.scoring.models import ResultSnapshot
from minping.surveys.models import Ballot

STAFF = (Role.ORGANISER, Role.LEADER)


@require(*STAFF)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.annotate(snapshots_count=Count("snapshots"))
    return render(
        request, "console/campaign_list.html", {"campaigns": campaigns, **role_context(request)}
    )


def _definition_text(request: HttpRequest, form: DefinitionForm) -> tuple[str, str]:
    upload = form.cleaned_data.get("file")
    if upload is not None:
        name = upload.name or "定义文件"
        return decode_definition(upload.read(), source=name), name
    return form.cleaned_data.get("text") or "", "定义文件"


def _load_from_form(
    request: HttpRequest, form: DefinitionForm, expected_code: str | None
) -> tuple[Campaign | None, list[str]]:
    """Check and load a definition; return the campaign, or the problems (nothing changed)."""
    try:
        text, name = _definition_text(request, form)
        if not text.strip():
            return None, ["请上传定义文件,或在文本框中填写定义内容。"]
        definition = parse_definition(text, source=name)
        if expected_code is not None and definition.code != expected_code:
            return None, [
                f'定义文件中的 code = "{definition.code}" 与本活动代码 {expected_code} 不同;'
                "新建活动请使用“新建活动”。"
            ]
        outcome = load_campaign(
            definition, text, actor=request.user, force=form.cleaned_data.get("force", False)
        )
    except InvalidInput as error:
        return None, error.lines()
    if outcome.created:
        messages.success(request, f"已创建评议活动 {outcome.campaign.code}。")
    elif outcome.unchanged:
        messages.info(request, "定义与现有的完全相同,未作改动。")
    else:
        messages.success(request, "已更新:" + ";".join(describe_changes(outcome.changes)))
    for warning in outcome.warnings:
        messages.warning(request, warning)
    return outcome.campaign, []


@require(Role.ORGANISER)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = DefinitionForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        campaign, problems = _load_from_form(request, form, None)
        if campaign is not None:
            return redirect("console:campaign", code=campaign.code)
    return render(request, "console/definition.html", {"form": form, "problems": problems})


@require(Role.ORGANISER)
def campaign_edit(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_campaign(code)
    initial = {"text": campaign.definition}
    form = DefinitionForm(request.POST or None, request.FILES or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        loaded, problems = _load_from_form(request, form, campaign.code)
        if loaded is not None:
            return redirect("console:campaign", code=campaign.code)
    context = {"form": form, "problems": problems, "campaign": campaign}
    return render(request, "console/definition.html", context)


def carried_watchlist(campaign: Campaign) -> tuple[Campaign | None, list[dict[str, Any]]]:
    """Last year's watch list and unsatisfactory units, for focused supervision (R-24)."""
    if not campaign.baseline_code:
        return None, []
    base = Campaign.objects.filter(code=campaign.baseline_code).first()
    if base is None:
        return None, []
    snapshots = ResultSnapshot.objects.filter(campaign=base).order_by("-published", "-computed_at")
    snapshot = snapshots.first()
    if snapshot is None:
        return base, []
    methods = dict(base.methods.values_list("code", "title"))
    rows = []
    for unit in snapshot.results.get("units", []):
        if unit.get("watchlist") or unit.get("grade") == "unsatisfactory":
            rows.append(
                {
                    "unit": unit["unit"],
                    "name": unit["name"],
                    "methods": [methods.get(m, m) for m in unit.get("watchlist", [])],
                    "unsatisfactory": unit.get("grade") == "unsatisfactory",
                    "rank": unit.get("rank"),
                }
            )
    return base, rows


@require(*STAFF)
def campaign_detail(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_campaign(code)
    base, watch = carried_watchlist(campaign)
    requirements = list(campaign.requirements.select_related("stage"))
    context = {
        "campaign": campaign,
        "stages": list(campaign.stages.all()),
        "requirements": requirements,
        "requirement_form": RequirementForm(),
        "baseline": base,
        "watch": watch,
        "methods": list(campaign.methods.all()),
        "today": timezone.localdate(),
        **role_context(request),
    }
    return render(request, "console/campaign_detail.html", context)


@require(Role.ORGANISER)
@require_POST
def requirement_save(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    campaign = get_campaign(code)
    requirement = None
    if pk is not None:
        requirement = SubmissionRequirement.objects.filter(campaign=campaign, pk=pk).first()
        if requirement is None:
            messages.error(request, "没有这项报送要求。")
            return redirect("console:campaign", code=code)
    form = RequirementForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}:{';'.join(str(e) for e in errors)}")
        return redirect("console:campaign", code=code)
    try:
        do_set_requirement(
            campaign, actor=request.user, requirement=requirement, **form.cleaned_data
        )
    except InvalidInput as error:
        messages.error(request, ";".join(error.lines()))
    else:
        messages.success(request, f"已保存报送要求“{form.cleaned_data['title']}”。")
    return redirect("console:campaign", code=code)


@require(*STAFF)
def monitor(request: HttpRequest, code: str) -> HttpResponse:
    """The collection monitor: returned ballots per unit and method, and late or missing
    submissions per unit (R-35)."""
    campaign = get_campaign(code)
    methods = list(campaign.methods.all())
    # The units taking part (campaigns.participation): ranked units and their windows.
    taking_part = campaign.participation()
    units = list(
        Unit.objects.filter(pk__in=taking_part.ids(taking_part.taking_part()))
        .select_related("parent")
        .order_by("code")
    )
    counts: dict[tuple[int, int], int] = {
        (u, m): n
        for u, m, n in Ballot.objects.filter(campaign=campaign, status=Ballot.Status.ACCEPTED)
        .values_list("unit_id", "method_id")
        .annotate(n=Count("*"))
        .order_by()
    }
    scored = set(campaign.method_scores.values_list("unit_id", "method_id"))
    cases = campaign_counts(campaign) if any(m.input == Method.CASES for m in methods) else {}
    requirements = list(campaign.requirements.all())
    submitted = {
        (s.requirement_id, s.unit_id): s
        for s in Submission.objects.filter(requirement__campaign=campaign)
    }
    today = timezone.localdate()
    rows = []
    for unit in units:
        cells: list[str | int] = []
        for m in methods:
            if m.input == Method.SCORES:
                cells.append("已录入" if (unit.pk, m.pk) in scored else "缺")
            elif m.input == Method.CASES:
                cells.append(f"{cases.get(unit.pk, {}).get('total', 0)} 件")
            else:
                cells.append(counts.get((unit.pk, m.pk), 0))
        states = []
        for req in requirements:
            sub = submitted.get((req.pk, unit.pk))
            if sub is not None:
                late = submitted_on(sub.submitted_at) > req.due
                states.append(("late" if late else "on-time", "逾期报送" if late else "已报送"))
            elif today > req.due:
                states.append(("missing", "逾期未报"))
            else:
                states.append(("pending", "未到期"))
        rows.append({"unit": unit, "cells": cells, "states": states})
    context = {
        "campaign": campaign,
        "methods": methods,
        "requirements": requirements,
        "rows": rows,
        "late": [m for item in late_data(campaign) for m in item.messages],
        "problems_only": request.GET.get("problems") == "1",
    }
    return render(request, "console/monitor.html", context)


@require(*STAFF)
def unit_tree(request: HttpRequest) -> HttpResponse:
    units = list(Unit.objects.select_related("group").order_by("code"))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    lines: list[tuple[int, Unit]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            lines.append((depth, unit))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return render(request, "console/units.html", {"lines": lines, "count": len(units)})


@require(*STAFF)
def eligibility(request: HttpRequest, code: str) -> HttpResponse:
    """Units that lost award eligibility in this campaign (R-39), and withdrawing it."""
    campaign = get_campaign(code)
    form = EligibilityForm(request.POST or None, campaign=campaign)
    problems: list[str] = []
    if request.method == "POST":
        if not role_context(request)["is_organiser"]:
            return redirect("console:eligibility", code=code)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            try:
                do_withdraw_eligibility(
                    campaign,
                    unit,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    rule=form.cleaned_data.get("rule"),
                )
            except (InvalidInput, NotAllowed) as error:
                problems = _lines(error)
            else:
                messages.success(request, f"已取消{unit.name}的评优资格。")
                return redirect("console:eligibility", code=code)
    context = {
        "campaign": campaign,
        "items": campaign.ineligible.select_related("unit", "created_by", "rule"),
        "form": form,
        "problems": problems,
        **role_context(request),
    }
    return render(request, "console/eligibility.html", context)


@require(Role.ORGANISER)
@require_POST
def eligibility_restore(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = get_campaign(code)
    item = Ineligibility.objects.filter(campaign=campaign, pk=pk).first()
    if item is None:
        messages.error(request, "没有这条记录。")
    else:
        try:
            do_restore_eligibility(item, reason=request.POST.get("reason", ""), actor=request.user)
        except InvalidInput as error:
            messages.error(request, ";".join(error.lines()))
        else:
            messages.success(request, f"已恢复{item.unit.name}的评优资格。")
    return redirect("console:eligibility", code=code)


def _lines(error: Exception) -> list[str]:
    return error.lines() if isinstance(error, InvalidInput) else [str(error)]
