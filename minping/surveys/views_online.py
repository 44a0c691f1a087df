"""The open online channel (网络评议, R-14): verify a mobile number by SMS, then answer.

The respondent's number is used to send the code and is never stored: the
cache holds the code's hash, the browser a signed cookie with the number's
keyed hash, and ``RatedPhone`` the hash per unit rated. Anomaly flags hold
suspicious ballots for review instead of refusing them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from minping.campaigns.models import Campaign, Method
from minping.lib import clients
from minping.orgs.access import public
from minping.orgs.models import Unit
from minping.surveys import anomalies, limits, phones, sms
from minping.surveys.actions import CastRefused, PhoneClaim, phone_has_rated
from minping.surveys.forms import read_answers, read_picked
from minping.surveys.models import Ballot, Channel, Questionnaire
from minping.surveys.questionnaires import (
    check_responses,
    closed_reason,
    current_questionnaire,
    pickable_units,
    settings_for,
)
from minping.surveys.views import _replayed, _thanks, cast, message, questionnaire_page, refused

logger = logging.getLogger("minping.surveys")


def _open_method(
    request: HttpRequest, code: str, method_code: str
) -> tuple[Method, Questionnaire] | HttpResponse:
    campaign = Campaign.objects.filter(code=code[:64]).first()
    method = (
        campaign.methods.filter(code=method_code[:64], input=Method.BALLOTS).first()
        if campaign
        else None
    )
    if method is None:
        return message(request, _("没有找到这项评议"), _("请核对网址是否完整。"), 404)
    settings = settings_for(method)
    if not settings.accepts(Channel.ONLINE):
        return message(request, _("此方式未开放"), _("这项评议目前不接受网上评议。"), 403)
    questionnaire = current_questionnaire(method)
    reason = closed_reason(settings)
    if reason or questionnaire is None:
        return message(request, _("评议已结束"), reason or _("本次评议尚未开始。"), 410)
    return method, questionnaire


def _campaign_code(request: HttpRequest) -> str:
    match = request.resolver_match
    return str(match.kwargs.get("code", ""))[:64] if match else ""


def _phone_page(
    request: HttpRequest,
    *,
    phone: str = "",
    sent: bool = False,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "action": request.path,
        "phone": phone,
        "masked": f"{phone[:3]}****{phone[-4:]}" if sent and len(phone) == 11 else "",
        "sent": sent,
        "errors": errors or [],
        "minutes": phones.CODE_SECONDS // 60,
        # The page of /s/o/<campaign>/…: name who runs it, as on every respondent page.
        "about": Campaign.objects.filter(code=_campaign_code(request)).first(),
    }
    response = render(request, "surveys/phone.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return clients.remember_device(request, response)


def _too_many(request: HttpRequest, text: str) -> HttpResponse:
    return message(request, _("操作过于频繁"), text, 429)


def _send_code(request: HttpRequest) -> HttpResponse:
    typed = str(request.POST.get("phone", ""))[:40]
    phone = phones.normalise_phone(typed)
    if phone is None:
        problem = _("请输入 11 位手机号码,例如 13912345678。")
        return _phone_page(request, phone=typed, errors=[problem], status=400)
    key = phones.phone_key(phone)
    # Per number and per device; the address is only a ceiling, high enough for a hall.
    checks = [
        ("sms-phone", key),
        ("sms-device", clients.device_subject(request)),
        ("sms-address", clients.client_address(request)),
    ]
    if any(limits.reached(name, subject) for name, subject in checks):
        return _too_many(request, _("获取验证码的次数太多,请一小时后再试。"))
    if not limits.take_once("sms-gap", key, phones.PHONE_GAP):
        return _too_many(request, _("验证码已经发送,请 1 分钟后再重新获取。"))
    for name, subject in checks:
        limits.count(name, subject)
    code = phones.start(phone)
    text = _("【群众评议】您的验证码是 %(code)s,%(minutes)s 分钟内有效。请勿告诉他人。") % {
        "code": code,
        "minutes": phones.CODE_SECONDS // 60,
    }
    try:
        sms.send(phone, text)
    except sms.SmsFailed as error:
        logger.warning("SMS not sent: %s", error)
        limits.give_back("sms-gap", key)
        return message(request, _("短信发送失败"), _("验证码短信暂时无法发送,请稍后再试。"), 503)
    return _phone_page(request, phone=phone, sent=True)


def _verify_code(request: HttpRequest) -> HttpResponse:
    phone = phones.normalise_phone(str(request.POST.get("phone", ""))[:40])
    if phone is None:
        return _phone_page(request, errors=[_("请重新输入手机号码。")], status=400)
    # Each code allows a few tries (phones.check); a device trying many numbers' codes stops too.
    device = clients.device_subject(request)
    if limits.reached("sms-wrong-device", device):
        return _too_many(request, _("验证码输错次数太多,请一小时后再试。"))
    result = phones.check(phone, str(request.POST.get("code", ""))[:20])
    if not result.ok and result.problem != "expired":
        limits.count("sms-wrong-device", device)
    if result.ok:
        response = HttpResponseRedirect(request.get_full_path())
        phones.remember_verified(response, request, phones.phone_key(phone))
        return response
    if result.problem == "expired":
        return message(
            request,
            _("验证码已过期"),
            _("验证码已过期或尚未获取,验证码 10 分钟内有效。请返回重新获取。"),
            410,
        )
    if result.problem == "locked":
        return _too_many(request, _("验证码输错次数太多,请 10 分钟后重新获取验证码。"))
    problem = _("验证码不正确,还可以再试 %(n)s 次。") % {"n": result.tries_left}
    return _phone_page(request, phone=phone, sent=True, errors=[problem], status=400)


def _already_rated(request: HttpRequest, units: list[Unit]) -> HttpResponse:
    names = "、".join(unit.name for unit in units)
    text = _("您已经评价过%(names)s,每个手机号对每个单位只能评价一次。感谢您的参与!") % {
        "names": names
    }
    return refused(request, CastRefused("rated", text))


def _pick_page(
    request: HttpRequest, method: Method, errors: list[str], status: int = 200
) -> HttpResponse:
    campaign = method.campaign
    context = {
        "units": pickable_units(campaign, method=method.code).units,
        "action": request.path,
        "hidden": {},
        "errors": errors,
        "title": campaign.title,
        "about": campaign,
    }
    return render(request, "surveys/pick_units.html", context, status=status)


@public
@require_http_methods(["GET", "POST"])
def online(request: HttpRequest, code: str, method: str, unit: str = "") -> HttpResponse:
    """One campaign's open questionnaire: unit fixed by the link, or picked by the respondent."""
    if _replayed(request):
        return _thanks(False)
    found = _open_method(request, code, method)
    if isinstance(found, HttpResponse):
        return found
    the_method, questionnaire = found
    campaign = the_method.campaign
    pickable = pickable_units(campaign, method=the_method.code).by_code()
    fixed = pickable.get(unit[:64]) if unit else None
    if unit and fixed is None:
        return message(request, _("没有找到这个单位"), _("这个单位不在本次评议范围内。"), 404)
    step = str(request.POST.get("step", "")) if request.method == "POST" else ""
    if step == "send":
        return _send_code(request)
    if step == "verify":
        return _verify_code(request)
    key = phones.verified_key(request)
    if key is None:
        if step:
            return _phone_page(request, errors=[_("请先验证手机号。")], status=400)
        return _phone_page(request)
    common: dict[str, Any] = {"action": request.path, "picked": fixed is None}
    if fixed is not None:
        units = [fixed]
    else:
        chosen = request.POST.getlist("unit") if step else request.GET.getlist("unit")
        if not step and not chosen:
            return _pick_page(request, the_method, [])
        units, problem = read_picked([str(c)[:64] for c in chosen], pickable)
        if problem:
            return _pick_page(request, the_method, [problem], status=400)
    rated = set(phone_has_rated(campaign.pk, [u.pk for u in units], key))
    if rated:
        return _already_rated(request, [u for u in units if u.pk in rated])
    if step != "answer":
        return questionnaire_page(request, questionnaire, units, **common)
    answers = read_answers(request.POST, questionnaire.spec, units)
    reason = ""
    if not check_responses(questionnaire.spec, answers.responses, answers.category):
        reason = anomalies.flag(
            the_method.pk,
            answers.responses,
            device=clients.device_subject(request),
            address=clients.client_address(request),
        )
    return cast(
        request,
        questionnaire,
        units,
        channel=Channel.ONLINE,
        claims=(PhoneClaim(campaign.pk, tuple(u.pk for u in units), key),),
        status=Ballot.Status.QUARANTINED if reason else Ballot.Status.ACCEPTED,
        hold_reason=reason,
        **common,
    )
