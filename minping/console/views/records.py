"""What the office records against a campaign's results: talks, accountability, exposure
(R-40) and awards to persons (seed 003's 优秀服务窗口负责人)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.campaigns.models import Campaign
from minping.console.forms import ConsequenceForm, PersonAwardForm
from minping.console.views.common import get_campaign, role_context
from minping.lib.errors import InvalidInput
from minping.orgs.access import require
from minping.orgs.models import Role, Unit
from minping.oversight.actions import (
    NotAllowed,
    do_delete_consequence,
    do_delete_person_award,
    do_record_consequence,
    do_record_person_award,
)
from minping.oversight.models import Consequence, ConsequenceKind, PersonAward

STAFF = (Role.ORGANISER, Role.LEADER)
# Seed 003 names this award; an office may type any other.
KNOWN_AWARDS = ["优秀服务窗口负责人", "先进个人", "优秀评议员"]


def _units(campaign: Campaign) -> QuerySet[Unit]:
    taking_part = campaign.participation()
    return Unit.objects.filter(pk__in=taking_part.ids(taking_part.taking_part())).order_by("name")


def _problems(error: InvalidInput | NotAllowed) -> list[str]:
    return error.lines() if isinstance(error, InvalidInput) else [str(error)]


@require(*STAFF)
def records(request: HttpRequest, code: str) -> HttpResponse:
    """The campaign's consequences and person awards; the organiser adds to them."""
    campaign = get_campaign(code)
    units = _units(campaign)
    is_organiser = role_context(request)["is_organiser"]
    posted = request.POST if request.method == "POST" and is_organiser else None
    which = request.POST.get("record", "") if posted else ""
    consequence_form = ConsequenceForm(
        posted if which == "consequence" else None,
        units=units,
        kinds=ConsequenceKind.choices,
        prefix="c",
    )
    award_form = PersonAwardForm(posted if which == "award" else None, units=units, prefix="a")
    problems: list[str] = []
    if which == "consequence" and consequence_form.is_valid():
        data = consequence_form.cleaned_data
        try:
            do_record_consequence(
                campaign,
                data["unit"],
                kind=data["kind"],
                date=data["date"],
                summary=data["summary"],
                document_number=data["document_number"],
                actor=request.user,
            )
        except InvalidInput as error:
            problems = _problems(error)
        else:
            messages.success(request, f"已登记{data['unit'].name}的记录。")
            return redirect("console:records", code=code)
    if which == "award" and award_form.is_valid():
        data = award_form.cleaned_data
        try:
            do_record_person_award(
                campaign,
                data["unit"],
                person=data["person"],
                position=data["position"],
                award=data["award"],
                actor=request.user,
            )
        except (InvalidInput, NotAllowed) as error:
            problems = _problems(error)
        else:
            messages.success(request, f"已登记{data['person']}为“{data['award']}”。")
            return redirect("console:records", code=code)
    context = {
        "campaign": campaign,
        "consequences": campaign.consequences.select_related("unit", "created_by"),
        "awards": campaign.person_awards.select_related("unit", "created_by"),
        "consequence_form": consequence_form,
        "award_form": award_form,
        "known_awards": KNOWN_AWARDS,
        "problems": problems,
        **role_context(request),
    }
    return render(request, "console/records.html", context)


def _delete(
    request: HttpRequest,
    code: str,
    found: Consequence | PersonAward | None,
    delete: Callable[..., None],
    done: str,
) -> HttpResponse:
    if found is None:
        messages.error(request, "没有这条记录。")
    else:
        try:
            delete(found, reason=request.POST.get("reason", ""), actor=request.user)
        except InvalidInput as error:
            messages.error(request, ";".join(error.lines()))
        else:
            messages.success(request, done)
    return redirect("console:records", code=code)


@require(Role.ORGANISER)
@require_POST
def consequence_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    found = Consequence.objects.filter(campaign=get_campaign(code), pk=pk).first()
    done = "已删除这条记录,删除原因记入审计日志。"
    return _delete(request, code, found, do_delete_consequence, done)


@require(Role.ORGANISER)
@require_POST
def person_award_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    found = PersonAward.objects.filter(campaign=get_campaign(code), pk=pk).first()
    done = "已撤销这项表彰,撤销原因记入审计日志。"
    return _delete(request, code, found, do_delete_person_award, done)
