"""The organiser's review of ballots held by an anomaly flag (待复核答卷)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from minping.lib.errors import InvalidInput
from minping.orgs.access import is_organiser, require
from minping.orgs.models import Role
from minping.surveys.access import get_campaign, get_held_ballot
from minping.surveys.actions import do_decide_quarantined
from minping.surveys.anomalies import REASONS
from minping.surveys.models import Ballot, Channel

SHOWN = 500


@require(Role.ORGANISER, Role.LEADER)
def quarantine(request: HttpRequest, code: str) -> HttpResponse:
    """Held ballots of a campaign with their reasons; the organiser accepts or rejects each."""
    found = get_campaign(code)
    held = Ballot.objects.filter(campaign=found, status=Ballot.Status.QUARANTINED).select_related(
        "unit", "method"
    )
    # Answers are kept by indicator code; the reviewer reads the indicators' titles, in order.
    indicators = list(found.indicators.order_by("order").values_list("code", "title"))
    rows = [
        {
            "ballot": ballot,
            "reason": REASONS.get(
                ballot.hold_reason, "其他异常" if ballot.hold_reason else "未注明"
            ),
            "channel": Channel(ballot.channel).label
            if ballot.channel in Channel.values
            else "其他渠道",
            "answers": [
                (title, (ballot.held_answers or {})[code])
                for code, title in indicators
                if code in (ballot.held_answers or {})
            ],
        }
        for ballot in held.order_by("unit__code", "date", "id")[:SHOWN]
    ]
    context = {
        "campaign": found,
        "rows": rows,
        "total": held.count(),
        "shown": SHOWN,
        "can_act": is_organiser(request.user),
        "rejected": Ballot.objects.filter(campaign=found, status=Ballot.Status.REJECTED).count(),
    }
    return render(request, "surveys/quarantine.html", context)


@require(Role.ORGANISER)
@require_POST
def decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    ballot = get_held_ballot(request, pk)
    back = reverse("surveys:quarantine", args=[ballot.campaign.code])
    choice = request.POST.get("decision", "")
    if choice not in ("accept", "reject"):
        errors = ["请选择“计入结果”或“剔除”。"]
        return render(request, "surveys/done.html", {"errors": errors, "back": back}, status=400)
    try:
        do_decide_quarantined(request.user, ballot, choice == "accept")
    except InvalidInput as error:
        errors = [str(p) for p in error.problems]
        return render(request, "surveys/done.html", {"errors": errors, "back": back}, status=400)
    return redirect(back)
