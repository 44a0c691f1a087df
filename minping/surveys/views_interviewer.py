"""Interviewer entry (访问员代录, R-11): phone-interview and paper ballots typed in by staff.

The interviewer signs in; the ballot records how it was collected
(``phone_interview`` or ``paper``) but not who typed it. Accountability is a
per-day count (``InterviewerTally``) written after the ballot's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from minping.campaigns.models import Method
from minping.lib.errors import InvalidInput
from minping.orgs.access import require
from minping.orgs.models import Role
from minping.surveys.access import get_ballot_method, get_campaign
from minping.surveys.actions import CastRefused, do_cast_ballot, do_count_interviewer_entry
from minping.surveys.forms import field_name, new_form_key, read_answers, valid_key
from minping.surveys.models import Channel, CollectionSettings, InterviewerTally, Questionnaire
from minping.surveys.questionnaires import closed_reason, current_questionnaire, pickable_units

ENTRY_CHANNELS = [Channel.PHONE_INTERVIEW, Channel.PAPER]


def _open_for_entry(method: Method) -> Questionnaire | None:
    settings = CollectionSettings.objects.filter(method=method).first()
    if settings is None or not settings.accepts(Channel.INTERVIEWER) or closed_reason(settings):
        return None
    return current_questionnaire(method)


@require(Role.INTERVIEWER)
def enter_home(request: HttpRequest) -> HttpResponse:
    """The methods open for interviewer entry, and what this interviewer entered today."""
    methods = [
        method
        for method in Method.objects.filter(input=Method.BALLOTS)
        .select_related("campaign")
        .order_by("-campaign__year", "campaign__code", "code")
        if _open_for_entry(method) is not None
    ]
    today = InterviewerTally.objects.filter(
        user_id=int(request.user.pk or 0), date=timezone.localdate()
    ).select_related("method__campaign")
    return render(request, "surveys/enter_home.html", {"methods": methods, "today": today})


def _entry_page(
    request: HttpRequest,
    method: Method,
    questionnaire: Questionnaire,
    *,
    values: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    values = values or {}
    spec = questionnaire.spec
    questions = [
        {
            "name": field_name(0, item["code"]),
            "title": item["title"],
            "chosen": values.get(field_name(0, item["code"])),
        }
        for item in spec["indicators"]
    ]
    tally = InterviewerTally.objects.filter(
        user_id=int(request.user.pk or 0), method=method, date=timezone.localdate()
    ).first()
    context = {
        "method": method,
        "spec": spec,
        "questions": questions,
        "levels": spec["levels"],
        "units": pickable_units(method.campaign, method=method.code).units,
        "channels": [(c.value, c.label) for c in ENTRY_CHANNELS],
        "values": values,
        "comment": values.get("u0-comment", ""),
        "errors": errors or [],
        "key": new_form_key(),
        "saved": request.GET.get("saved") == "1" and not errors,
        "today": tally.ballots if tally else 0,
    }
    return render(request, "surveys/enter.html", context, status=status)


@require(Role.INTERVIEWER)
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, code: str, method: str) -> HttpResponse:
    found = get_ballot_method(get_campaign(code), method)
    questionnaire = _open_for_entry(found)
    if questionnaire is None:
        context = {
            "errors": ["这项评议目前不接受访问员录入,或尚未开始、已经结束。"],
            "back": "/s/enter/",
        }
        return render(request, "surveys/done.html", context, status=403)
    if request.method == "GET":
        return _entry_page(request, found, questionnaire)
    values = {k: str(v)[:2000] for k, v in request.POST.items()}
    problems: list[str] = []
    unit = pickable_units(found.campaign, method=found.code).by_code().get(values.get("unit", ""))
    if unit is None:
        problems.append("请选择被评议的单位。")
    channel = values.get("channel", "")
    if channel not in [c.value for c in ENTRY_CHANNELS]:
        problems.append("请选择问卷来源(电话访问或纸质问卷)。")
    key = values.get("key", "")
    if not valid_key(key):
        problems.append("表单已失效,请重新填写。")
    if problems or unit is None:
        return _entry_page(
            request, found, questionnaire, values=values, errors=problems, status=400
        )
    answers = read_answers(request.POST, questionnaire.spec, [unit])
    try:
        result = do_cast_ballot(
            questionnaire=questionnaire,
            channel=channel,
            responses=answers.responses,
            category=answers.category,
            key=key,
        )
    except InvalidInput as error:
        errors = [problem.message for problem in error.problems]
        return _entry_page(request, found, questionnaire, values=values, errors=errors, status=400)
    except CastRefused as refusal:
        errors = [refusal.message]
        return _entry_page(request, found, questionnaire, values=values, errors=errors, status=409)
    user = request.user
    transaction.on_commit(lambda: do_count_interviewer_entry(user, found, result.ballots))
    return HttpResponseRedirect(request.path + "?saved=1")
