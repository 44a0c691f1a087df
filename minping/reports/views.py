"""The public and organiser-facing results pages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from minping.campaigns.models import Campaign
from minping.orgs.access import has_role, public
from minping.orgs.models import Group, Role
from minping.oversight.models import Submission, SubmissionKind
from minping.scoring.models import ResultSnapshot

GRADE_LABELS = {"excellent": "优秀", "unsatisfactory": "不满意"}


def grade_label(unit: dict[str, Any]) -> str:
    """A unit's grade as shown everywhere: a vetoed unit is 不满意 (S-6), whatever is stored."""
    if unit.get("vetoed"):
        return GRADE_LABELS["unsatisfactory"]
    return GRADE_LABELS.get(unit.get("grade") or "", "")


def may_see_everything(request: HttpRequest) -> bool:
    """Organisers and leaders see every campaign's results, published or not."""
    return has_role(request.user, Role.ORGANISER, Role.LEADER)


def visible_campaigns(request: HttpRequest) -> list[Campaign]:
    """Staff see every campaign; the public those whose results are published to it (R-37)."""
    campaigns = Campaign.objects.all()
    if not may_see_everything(request):
        campaigns = campaigns.filter(publish=True, published_at__isnull=False)
    return list(campaigns)


def visible_snapshot(request: HttpRequest, campaign: Campaign) -> ResultSnapshot | None:
    """Staff see the latest results computed, the public the latest published."""
    # The working (breakdown) is the largest part and this page does not show it.
    snapshots = campaign.snapshots.order_by("-computed_at").defer("breakdown")
    if not may_see_everything(request):
        snapshots = snapshots.filter(published=True)
    return snapshots.first()


MISSING_REASONS = {
    "no_ballots": "本单位及下属窗口、站所都没有答卷",
    "no_score": "缺少录入得分",
    "no_case_rates": "问题线索还没有计分公式所用的比率(如尚无答复或回访)",
}


def missing_lines(campaign: Campaign, results: dict[str, Any]) -> list[str]:
    """The results' missing inputs in plain Chinese: unit name, method title, what is missing."""
    titles = {m.code: m.title for m in campaign.methods.all()}
    titles.update({m["code"]: m["title"] for m in results.get("methods", []) if m.get("title")})
    names = {u["unit"]: u.get("name") for u in results.get("units", [])}
    lines = []
    for m in results.get("missing", []):
        name = m.get("name") or names.get(m.get("unit")) or "某单位"
        method = titles.get(m.get("method", ""), "某评议方法")
        lines.append(f"{name}:{method} —— {MISSING_REASONS.get(m.get('reason', ''), '缺少数据')}")
    return lines


@dataclass(frozen=True)
class Layout:
    """The overall columns a results table shows. A version-2 campaign may compute no
    composite (``composite = false``, R-19): its 综合得分, 加权得分 and 较上年 would be empty
    for every unit, so they are left out and ``note`` says once why; its 排名 only where a
    method orders the units (``graded_by``)."""

    composite: bool = True
    ranked: bool = True
    note: str = ""


def results_layout(results: dict[str, Any]) -> Layout:
    """The layout of a stored results JSON (one without ``"composite": false`` has a composite)."""
    if results.get("composite", True) is not False:
        return Layout()
    by = results.get("graded_by") or ""
    titles = {m["code"]: m.get("title") or m["code"] for m in results.get("methods", [])}
    if by:
        title = titles.get(by, by)
        note = f"本活动不计算综合得分,各评议方法分别排名;名次和等次按“{title}”的得分排定。"
    else:
        note = "本活动不计算综合得分,各评议方法分别排名,不排总名次。"
    return Layout(composite=False, ranked=bool(by), note=note)


@dataclass
class Row:
    unit: dict[str, Any]
    methods: list[dict[str, Any] | None]
    deductions_total: float
    grade_label: str


@dataclass
class GroupTable:
    code: str
    name: str
    rows: list[Row] = field(default_factory=list)


def group_tables(campaign: Campaign, results: dict[str, Any]) -> list[GroupTable]:
    """The results JSON arranged as one ranking table per group, methods in campaign order."""
    method_codes = list(campaign.methods.values_list("code", flat=True))
    names = dict(Group.objects.filter(code__in=campaign.groups).values_list("code", "name"))
    tables = {code: GroupTable(code, names.get(code, code)) for code in campaign.groups}
    for unit in results.get("units", []):
        table = tables.setdefault(unit["group"], GroupTable(unit["group"], unit["group"]))
        # Each method's figure with the unit's rank on that method alone beside it.
        ranks = unit.get("method_ranks") or {}
        methods = [
            {**figure, "rank": ranks.get(code)} if (figure := unit["methods"].get(code)) else None
            for code in method_codes
        ]
        deductions = sum(unit.get("deductions", {}).values())
        table.rows.append(Row(unit, methods, deductions, grade_label(unit)))
    return [t for t in tables.values() if t.rows]


def tables_key(campaign: Campaign, snapshot: ResultSnapshot | None, methods: list[Any]) -> str:
    """What the drawn ranking tables depend on: the stored snapshot and the methods' headings
    (a reloaded definition may retitle or reweigh a method after the computation)."""
    if snapshot is None:
        return f"{campaign.code}:none"
    heads = "|".join(f"{m.code}:{m.title}:{m.weight}:{m.scored}" for m in methods)
    digest = hashlib.sha256(heads.encode()).hexdigest()[:16]
    return f"{campaign.code}:{snapshot.pk}:{snapshot.computed_at.timestamp()}:{digest}"


@public
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {"campaigns": visible_campaigns(request)})


@public
def campaign_results(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, code=code)
    if not may_see_everything(request) and not (campaign.publish and campaign.is_published):
        # Unpublished results are for the organiser only: offer staff a sign-in.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return render(request, "reports/not_published.html", {"campaign": campaign}, status=404)
    snapshot = visible_snapshot(request, campaign)
    methods = list(campaign.methods.all())
    context = {
        "campaign": campaign,
        "snapshot": snapshot,
        "methods": methods,
        "tables_key": tables_key(campaign, snapshot, methods),
        "sources": list(campaign.deduction_sources.all()),
        # Called by the template only when its cached copy of the tables is gone.
        "tables": (lambda: group_tables(campaign, snapshot.results)) if snapshot else [],
        "layout": results_layout(snapshot.results) if snapshot else Layout(),
        "missing": missing_lines(campaign, snapshot.results) if snapshot else [],
        "person_awards": campaign.person_awards.select_related("unit") if snapshot else [],
        "package": published_snapshot(request, campaign),
    }
    return render(request, "reports/results.html", context)


def published_snapshot(request: HttpRequest, campaign: Campaign) -> ResultSnapshot | None:
    """The latest published results this visitor may check: the public's where the campaign
    publishes (R-37), else only staff's. None where there are none or no package of them."""
    if not may_see_everything(request) and not (campaign.publish and campaign.is_published):
        return None
    return (
        campaign.snapshots.filter(published=True, inputs__isnull=False)
        .order_by("-computed_at", "-pk")
        .only("pk", "campaign_id", "computed_at", "published")  # a link needs no figures
        .first()
    )


@public
def results_package(request: HttpRequest, code: str) -> HttpResponse:
    """The published results package: rules, tallies and results, for anyone to recompute
    with ``minping verify-results`` (docs/statistics.md)."""
    campaign = get_object_or_404(Campaign, code=code)
    snapshot = published_snapshot(request, campaign)
    if snapshot is None:
        if not request.user.is_authenticated and not campaign.publish:
            return redirect_to_login(request.get_full_path())
        raise Http404("没有可下载的结果包")
    package = snapshot.package()
    if package is None:
        raise Http404("没有可下载的结果包")
    response = HttpResponse(
        json.dumps(package, ensure_ascii=False, indent=1), content_type="application/json"
    )
    name = f"results-package-{campaign.code}-{snapshot.computed_at:%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@public
def commitments(request: HttpRequest, code: str) -> HttpResponse:
    """Every unit's public commitments (R-35), for the service hall's screen: public by nature."""
    campaign = get_object_or_404(Campaign, code=code)
    items = (
        Submission.objects.filter(
            requirement__campaign=campaign, requirement__kind=SubmissionKind.COMMITMENTS
        )
        .exclude(text="")
        .select_related("unit", "requirement")
        .order_by("unit__code")
    )
    return render(request, "reports/commitments.html", {"campaign": campaign, "items": items})
