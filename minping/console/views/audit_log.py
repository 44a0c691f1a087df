"""Reading the audit log: organisers and leaders filter it; nobody edits it."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign
from minping.console.audit_words import ACTION_LABELS, Reader
from minping.orgs.access import require
from minping.orgs.models import Role

PAGE = 50


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@require(Role.ORGANISER, Role.LEADER)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.order_by("-seq").select_related("actor")
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("action", "campaign", "actor", "since", "until", "object")
    }
    problems: list[str] = []
    if params["action"]:
        entries = entries.filter(action__startswith=params["action"])
    if params["campaign"]:
        entries = entries.filter(campaign_code=params["campaign"])
    if params["actor"]:
        # By the account name or by the person's name, which the sentences show.
        entries = entries.filter(
            Q(actor_label__icontains=params["actor"])
            | Q(actor__first_name__icontains=params["actor"])
        )
    if params["object"]:
        entries = entries.filter(object_id=params["object"])
    for key, label in (("since", "起始日期"), ("until", "截止日期")):
        if params[key]:
            day = _day(params[key])
            if day is None:
                problems.append(f"{label}“{params[key]}”不是有效日期,已忽略")
            elif key == "since":
                entries = entries.filter(at__gte=_day_start(day))
            else:
                entries = entries.filter(at__lt=_day_start(day + datetime.timedelta(days=1)))
    page = Paginator(entries, PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in params.items() if v})
    reader = Reader.for_entries(page)
    rows: list[dict[str, Any]] = [
        {
            "entry": e,
            "sentence": reader.sentence(e),
            # The stored record, for power users checking the chain against the database.
            "stored": json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
        }
        for e in page
    ]
    codes = AuditEntry.objects.exclude(campaign_code="").values_list("campaign_code", flat=True)
    titles = dict(Campaign.objects.values_list("code", "title"))
    context = {
        "page": page,
        "rows": rows,
        "params": params,
        "query": query,
        "problems": problems,
        "actions": sorted(ACTION_LABELS.items()),
        "campaigns": [(c, titles.get(c, "已删除的评议活动")) for c in sorted(set(codes))],
    }
    return render(request, "audit/log.html", context)
