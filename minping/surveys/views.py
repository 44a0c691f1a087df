"""The pages respondents use (public) and the organiser's collection pages.

Respondent pages are open to everyone and must answer every bad input with a
page that says what happened, never a 500; they show nothing about other
ballots. A questionnaire post goes through ``do_cast_ballot`` whatever the
channel, and a retry of a form already taken shows the same thank-you.
"""

from __future__ import annotations

import base64
import math
import uuid
from typing import Any

import segno
from django.conf import settings
from django.core import signing
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from minping.campaigns.models import Campaign, Method
from minping.lib import clients
from minping.lib.errors import InvalidInput
from minping.lib.sheets import XLSX_TYPE, one_sheet_workbook, text_csv
from minping.orgs.access import is_organiser, public, require
from minping.orgs.models import Role, Unit
from minping.surveys import limits
from minping.surveys.access import (
    get_ballot_method,
    get_campaign,
    get_comment,
    get_kiosk,
    get_window_link,
)
from minping.surveys.actions import (
    CastRefused,
    Claim,
    InvitationClaim,
    do_cast_ballot,
    do_create_window_links,
    do_freeze_questionnaire,
    do_issue_invitations,
    do_mark_comment,
    do_pair_kiosk,
    do_register_kiosk,
    do_revoke_kiosk,
    do_update_collection_settings,
    submission_key_taken,
)
from minping.surveys.breakdown import category_table, threshold
from minping.surveys.forms import (
    CollectionSettingsForm,
    IssueInvitationsForm,
    KioskForm,
    field_name,
    new_form_key,
    plausible_token,
    read_answers,
    read_picked,
    valid_key,
)
from minping.surveys.models import (
    Ballot,
    Channel,
    CollectionSettings,
    Comment,
    Invitation,
    Kiosk,
    Questionnaire,
    WindowLink,
)
from minping.surveys.questionnaires import (
    closed_reason,
    current_questionnaire,
    loaded_settings,
    pickable_units,
    settings_for,
)
from minping.surveys.sheets import window_sheet_pdf
from minping.surveys.tokens import (
    code_hash,
    format_code,
    normalise_code,
    token_hash,
)

KIOSK_COOKIE = "minping_kiosk"
KIOSK_SALT = "minping.surveys.kiosk"
# A kiosk stays paired for years; the organiser revokes it in the app, not by expiry.
KIOSK_COOKIE_AGE = 10 * 365 * 24 * 3600
# HTTP statuses of refusals, by CastRefused.reason.
REFUSAL_STATUS = {
    "unknown": 404,
    "used": 409,
    "changed": 409,
    "expired": 410,
    "closed": 410,
    "channel": 403,
    "rated": 409,
}


# --- Respondent pages -----------------------------------------------------------------------


def message(
    request: HttpRequest, title: str, text: str, status: int, *, kiosk: bool = False
) -> HttpResponse:
    context = {"title": title, "text": text, "kiosk": kiosk}
    return render(request, "surveys/message.html", context, status=status)


def public_url(request: HttpRequest, path: str) -> str:
    """An absolute address for a QR code: the configured public address, else this host's."""
    base = getattr(settings, "MINPING_PUBLIC_URL", "")
    return base.rstrip("/") + path if base else request.build_absolute_uri(path)


def _blocks(spec: dict[str, Any], units: list[Unit], chosen: dict[str, str]) -> list[Any]:
    """What the template shows per unit: its questions with field names and earlier choices."""
    blocks = []
    for index, unit in enumerate(units):
        questions = []
        for item in spec["indicators"]:
            name = field_name(index, item["code"])
            questions.append({"name": name, "title": item["title"], "chosen": chosen.get(name)})
        comment_name = f"u{index}-comment"
        blocks.append(
            {
                "unit": unit,
                "index": index,
                "questions": questions,
                "comment_name": comment_name,
                "comment": chosen.get(comment_name, ""),
            }
        )
    return blocks


def questionnaire_page(
    request: HttpRequest,
    questionnaire: Questionnaire,
    units: list[Unit],
    *,
    action: str,
    hidden: dict[str, str] | None = None,
    fixed_category: str = "",
    picked: bool = False,
    errors: list[str] | None = None,
    chosen: dict[str, str] | None = None,
    key: str = "",
    kiosk: bool = False,
    status: int = 200,
) -> HttpResponse:
    spec = questionnaire.spec
    context = {
        "spec": spec,
        "blocks": _blocks(spec, units, chosen or {}),
        "levels": spec["levels"],
        "categories": [] if fixed_category else spec.get("categories", []),
        "category": (chosen or {}).get("category", ""),
        "action": action,
        "hidden": hidden or {},
        "picked": [unit.code for unit in units] if picked else [],
        "errors": errors or [],
        "key": key if valid_key(key) else new_form_key(),
        "kiosk": kiosk,
        "about": questionnaire.campaign,
    }
    response = render(request, "surveys/questionnaire.html", context, status=status)
    if kiosk:
        # The next person at the kiosk must not go back to the last person's answers.
        add_never_cache_headers(response)
    else:
        # Private, but kept for the back button: going back to a sent form and sending it
        # again resubmits the same key and shows the same thank-you.
        patch_cache_control(response, private=True, max_age=0)
    return response


def _thanks(kiosk: bool) -> HttpResponse:
    return HttpResponseRedirect(reverse("surveys:kiosk_thanks" if kiosk else "surveys:thanks"))


def cast(
    request: HttpRequest,
    questionnaire: Questionnaire,
    units: list[Unit],
    *,
    channel: str,
    action: str,
    hidden: dict[str, str] | None = None,
    fixed_category: str = "",
    picked: bool = False,
    claims: tuple[Claim, ...] = (),
    kiosk: bool = False,
    status: str = Ballot.Status.ACCEPTED,
    hold_reason: str = "",
    settings: CollectionSettings | None = None,
) -> HttpResponse:
    """Read a questionnaire post and store it through do_cast_ballot; say what happened."""
    answers = read_answers(request.POST, questionnaire.spec, units)
    if not valid_key(answers.key):
        return message(
            request,
            _("表单已失效"),
            _("这份问卷页面已经失效,请重新打开链接填写。"),
            400,
            kiosk=kiosk,
        )
    try:
        result = do_cast_ballot(
            questionnaire=questionnaire,
            channel=channel,
            responses=answers.responses,
            category=fixed_category or answers.category,
            key=answers.key,
            claims=claims,
            status=status,
            hold_reason=hold_reason,
            settings=settings,
        )
    except InvalidInput as error:
        return questionnaire_page(
            request,
            questionnaire,
            units,
            action=action,
            hidden=hidden,
            fixed_category=fixed_category,
            picked=picked,
            errors=[problem.message for problem in error.problems],
            chosen=answers.chosen,
            key=answers.key,
            kiosk=kiosk,
            status=400,
        )
    except CastRefused as refusal:
        return refused(request, refusal, kiosk=kiosk)
    del result  # stored or replayed: the respondent sees the same thank-you either way
    return _thanks(kiosk)


REFUSAL_TITLES = {
    "unknown": gettext_noop("没有找到这个邀请码"),
    "used": gettext_noop("邀请码已使用"),
    "expired": gettext_noop("邀请码已过期"),
    "closed": gettext_noop("评议已结束"),
    "channel": gettext_noop("此方式未开放"),
    "changed": gettext_noop("问卷已更新"),
    "rated": gettext_noop("您已经评价过"),
}


def refused(request: HttpRequest, refusal: CastRefused, *, kiosk: bool = False) -> HttpResponse:
    title = REFUSAL_TITLES.get(refusal.reason, gettext_noop("无法提交"))
    return message(
        request, _(title), refusal.message, REFUSAL_STATUS.get(refusal.reason, 400), kiosk=kiosk
    )


def _replayed(request: HttpRequest) -> bool:
    """A post whose form was taken before: a double tap or a retry."""
    key = str(request.POST.get("key", ""))
    return request.method == "POST" and valid_key(key) and submission_key_taken(key)


def _invitation_questionnaire(
    request: HttpRequest, invitation: Invitation
) -> Questionnaire | HttpResponse:
    """The questionnaire to answer, or the page for an invitation that cannot be used today."""
    if invitation.used:
        return refused(
            request, CastRefused("used", _("这个邀请码已经使用过了,每个邀请码只能提交一次。"))
        )
    if invitation.expires < timezone.localdate():
        text = _("这个邀请码已于 %(date)s 过期。") % {"date": f"{invitation.expires:%Y年%m月%d日}"}
        return refused(request, CastRefused("expired", text))
    reason = closed_reason(loaded_settings(invitation.method))
    questionnaire = None if reason else current_questionnaire(invitation.method)
    if questionnaire is None:
        return refused(request, CastRefused("closed", reason or _("本次评议尚未开始。")))
    return questionnaire


# The respondent pages fetch an invitation with everything a post needs, in one query.
INVITATION_RELATED = ("campaign", "method", "method__collection", "unit")


def invitation_flow(
    request: HttpRequest, invitation: Invitation, *, action: str, hidden: dict[str, str]
) -> HttpResponse:
    """Pick units (unless the invitation names one), answer, cast: the same for link and code."""
    questionnaire = _invitation_questionnaire(request, invitation)
    if isinstance(questionnaire, HttpResponse):
        # A retry after the invitation was used (a double tap) is thanked, not refused. On
        # the way to storing, do_cast_ballot's insert of the key tells a retry instead.
        return _thanks(False) if _replayed(request) else questionnaire
    step = str(request.POST.get("step", "")) if request.method == "POST" else ""
    fixed = invitation.unit
    units: list[Unit] = [fixed] if fixed else []
    common: dict[str, Any] = {
        "action": action,
        "hidden": hidden,
        "fixed_category": invitation.category,
        "picked": fixed is None,
    }
    if fixed is None:
        chosen_codes = request.POST.getlist("unit") if step else request.GET.getlist("unit")
        if step in ("pick", "answer") or chosen_codes:
            pickable = pickable_units(invitation.campaign, method=invitation.method.code)
            units, problem = read_picked([str(c)[:64] for c in chosen_codes], pickable.by_code())
            if problem:
                return pick_page(request, invitation, action, hidden, [problem], status=400)
        else:
            return pick_page(request, invitation, action, hidden, [])
    if step == "answer":
        return cast(
            request,
            questionnaire,
            units,
            channel=Channel.INVITATION,
            claims=(InvitationClaim(invitation.pk),),
            settings=loaded_settings(invitation.method),
            **common,
        )
    return questionnaire_page(request, questionnaire, units, **common)


def pick_page(
    request: HttpRequest,
    invitation: Invitation,
    action: str,
    hidden: dict[str, str],
    errors: list[str],
    status: int = 200,
) -> HttpResponse:
    units = pickable_units(invitation.campaign, method=invitation.method.code).units
    context = {
        "units": units,
        "action": action,
        "hidden": hidden,
        "errors": errors,
        "title": invitation.campaign.title,
        "about": invitation.campaign,
    }
    return render(request, "surveys/pick_units.html", context, status=status)


@public
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link on an invitation letter or its QR code."""
    found = (
        Invitation.objects.select_related(*INVITATION_RELATED)
        .filter(token_hash=token_hash(token))
        .first()
        if plausible_token(token)
        else None
    )
    if found is None:
        if _replayed(request):
            return _thanks(False)
        return refused(
            request,
            CastRefused(
                "unknown",
                _("没有找到这个邀请码。请核对链接是否完整,或输入邀请函上的 10 位短码。"),
            ),
        )
    return invitation_flow(request, found, action=request.path, hidden={})


@public
@require_http_methods(["GET", "POST"])
def code_entry(request: HttpRequest) -> HttpResponse:
    """Typing the short code from an invitation letter; wrong codes are rate-limited."""
    if request.method == "GET":
        page = render(request, "surveys/code.html", {"errors": [], "code": ""})
        return clients.remember_device(request, page)
    if _replayed(request):
        return _thanks(False)
    # Wrong codes count per device; per address only up to a ceiling a hall's NAT stays under.
    subjects = [
        ("code-device", clients.device_subject(request)),
        ("code-address", clients.client_address(request)),
    ]
    typed = str(request.POST.get("code", ""))[:100]
    if any(limits.reached(name, subject) for name, subject in subjects):
        return message(
            request,
            _("尝试次数过多"),
            _("输入错误的次数太多,请 15 分钟后再试,或直接扫描邀请函上的二维码。"),
            429,
        )
    code = normalise_code(typed)
    found = (
        Invitation.objects.select_related(*INVITATION_RELATED)
        .filter(code_hash=code_hash(code))
        .first()
        if code
        else None
    )
    if found is None:
        for name, subject in subjects:
            limits.count(name, subject)
        problem = (
            _("邀请码是 10 位字母和数字(不含 0、O、1、I、L),请核对后重新输入。")
            if code is None
            else _("没有找到这个邀请码,请核对后重新输入。")
        )
        return render(
            request, "surveys/code.html", {"errors": [problem], "code": typed}, status=400
        )
    return invitation_flow(
        request, found, action=reverse("surveys:code"), hidden={"code": format_code(code or "")}
    )


def _window_or_page(
    request: HttpRequest, link: WindowLink | None, channel: str, *, kiosk: bool = False
) -> Questionnaire | HttpResponse:
    """The window's open questionnaire, or the page saying why it cannot be answered."""
    if link is None or not link.active:
        return message(
            request,
            _("评价码无效"),
            _("这个窗口评价码不存在或已停用,请扫描窗口上的最新二维码。"),
            404,
            kiosk=kiosk,
        )
    settings = settings_for(link.method)
    questionnaire = current_questionnaire(link.method)
    if not settings.accepts(channel):
        text = _("这项评议目前不接受窗口评价。")
        return message(request, _("此方式未开放"), text, 403, kiosk=kiosk)
    reason = closed_reason(settings)
    if reason or questionnaire is None:
        text = reason or _("本次评议尚未开始。")
        return message(request, _("评议已结束"), text, 410, kiosk=kiosk)
    return questionnaire


def _rated_recently(request: HttpRequest, wait: int) -> HttpResponse:
    """A device that rated this window moments ago: said when the page opens, not after."""
    minutes = max(1, math.ceil(wait / 60))
    text = _("您刚刚已经评价过这个窗口,谢谢。再次办理业务后,%(minutes)s 分钟后可以再评价。") % {
        "minutes": minutes
    }
    return message(request, _("您刚刚评价过"), text, 429)


@public
@require_http_methods(["GET", "POST"])
def window(request: HttpRequest, slug: str) -> HttpResponse:
    """The QR code on a window's sheet (R-12): one rating per service, per device.

    一次一评 counts per browser (its device cookie), not per address: a hall's Wi-Fi
    and the reverse proxy put many people behind one address. All devices together
    rate a window at most ``limits.LIMITS["window"]`` times a minute.
    """
    link = (
        WindowLink.objects.select_related("unit", "method", "campaign").filter(slug=slug).first()
        if plausible_token(slug)
        else None
    )
    if _replayed(request):
        return _thanks(False)
    found = _window_or_page(request, link, Channel.WINDOW)
    if isinstance(found, HttpResponse):
        return found
    assert link is not None
    questionnaire = found
    bucket = f"window-device:{link.pk}"
    device = clients.device_subject(request)
    if request.method == "GET":
        # Only a browser that kept its device cookie can have rated; a new one gets the form
        # (so that a script without cookies cannot close the page to a whole hall's Wi-Fi).
        wait = limits.wait_left(bucket, device) if clients.device_id(request) else 0
        if wait:
            return _rated_recently(request, wait)
        page = questionnaire_page(request, questionnaire, [link.unit], action=request.path)
        return clients.remember_device(request, page)
    interval = settings_for(link.method).window_interval
    if not limits.take_once(bucket, device, interval):  # rated already, or two tabs at once
        return _rated_recently(request, limits.wait_left(bucket, device))
    if limits.over("window", str(link.pk)):
        # A flood, or a hall busier than the ceiling: keep the answers, ask to send again.
        limits.give_back(bucket, device)
        answers = read_answers(request.POST, questionnaire.spec, [link.unit])
        return questionnaire_page(
            request,
            questionnaire,
            [link.unit],
            action=request.path,
            errors=[_("这个窗口此刻评价的人较多,请稍等一分钟再点“提交评价”。")],
            chosen=answers.chosen,
            key=answers.key,
            status=429,
        )
    response = cast(
        request, questionnaire, [link.unit], channel=Channel.WINDOW, action=request.path
    )
    if response.status_code != 302:
        limits.give_back(bucket, device)
    return response


def paired_kiosk(request: HttpRequest) -> Kiosk | None:
    value = request.COOKIES.get(KIOSK_COOKIE, "")
    try:
        kiosk_id = uuid.UUID(str(signing.loads(value, salt=KIOSK_SALT)))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Kiosk.objects.select_related("window__unit", "window__method", "window__campaign")
        .filter(pk=kiosk_id, paired=True, revoked=False)
        .first()
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest) -> HttpResponse:
    """A tablet at a window: only that window's questionnaire, a fresh form after each ballot."""
    device = paired_kiosk(request)
    if device is None:
        return message(
            request,
            _("尚未设为评价终端"),
            _("本设备还不是评价终端。请工作人员用纠风办提供的配对链接进行设置。"),
            200,
            kiosk=True,
        )
    if _replayed(request):
        return _thanks(True)
    link = device.window
    found = _window_or_page(request, link, Channel.KIOSK, kiosk=True)
    if isinstance(found, HttpResponse):
        return found
    questionnaire = found
    if request.method == "GET":
        return questionnaire_page(
            request, questionnaire, [link.unit], action=request.path, kiosk=True
        )
    bucket = "kiosk"
    if not limits.take_once(bucket, str(device.pk), settings_for(link.method).kiosk_interval):
        return message(request, _("请稍候"), _("请稍等片刻再进行下一次评价。"), 429, kiosk=True)
    response = cast(
        request, questionnaire, [link.unit], channel=Channel.KIOSK, action=request.path, kiosk=True
    )
    if response.status_code != 302:
        limits.give_back(bucket, str(device.pk))
    return response


@public
@never_cache
def kiosk_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/thanks.html", {"kiosk": True})


@public
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_pair(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time pairing link: confirming on the tablet locks it to one window."""
    pending = (
        Kiosk.objects.select_related("window__unit")
        .filter(pairing_hash=token_hash(token), paired=False, revoked=False)
        .first()
        if plausible_token(token)
        else None
    )
    if pending is None:
        return message(
            request,
            _("配对链接无效"),
            _("这个配对链接不存在或已经用过。请纠风办重新生成配对链接。"),
            404,
            kiosk=True,
        )
    if request.method == "GET":
        return render(request, "surveys/kiosk_pair.html", {"kiosk": pending})
    device = do_pair_kiosk(token)
    if device is None:
        return message(request, _("配对链接无效"), _("这个配对链接刚刚已经用过。"), 409, kiosk=True)
    response = redirect("surveys:kiosk")
    response.set_cookie(
        KIOSK_COOKIE,
        signing.dumps(str(device.pk), salt=KIOSK_SALT),
        max_age=KIOSK_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@public
@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/thanks.html", {"kiosk": False})


@public
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the respondent pages between Chinese and English; no account needed."""
    chosen = str(request.POST.get("language", ""))
    target = str(request.POST.get("next", "")) or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if chosen in dict(settings.LANGUAGES):
        translation.activate(chosen)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen, max_age=365 * 24 * 3600)
    return response


# --- Organiser pages ------------------------------------------------------------------------


@require(Role.ORGANISER, Role.LEADER)
def manage(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/manage.html", {"campaigns": Campaign.objects.all()})


def _windows_of(campaign: Campaign, method: str | None = None) -> list[Unit]:
    """Windows taking part: the parts of the campaign's ranked units (R-03, R-12); with
    ``method``, those its ballots may name (a version-2 definition may say fewer)."""
    taking_part = campaign.participation()
    parts = taking_part.every_part()
    if method is not None:
        parts = [u for u in parts if not taking_part.method_refusal(u.code, method)]
    ids = taking_part.ids(parts)
    return list(Unit.objects.filter(pk__in=ids).select_related("parent").order_by("code"))


@require(Role.ORGANISER, Role.LEADER)
def campaign(request: HttpRequest, code: str) -> HttpResponse:
    found = get_campaign(code)
    methods = []
    for method in found.methods.filter(input=Method.BALLOTS):
        counts = dict(
            Ballot.objects.filter(method=method, status=Ballot.Status.ACCEPTED)
            .values_list("channel")
            .annotate(n=Count("id"))
            .order_by()
        )
        methods.append(
            {
                "method": method,
                "settings": settings_for(method),
                "questionnaire": current_questionnaire(method),
                "windows": WindowLink.objects.filter(method=method).select_related("unit"),
                "kiosks": Kiosk.objects.filter(window__method=method).select_related(
                    "window__unit"
                ),
                "invitations": Invitation.objects.filter(method=method).count(),
                "invitations_used": Invitation.objects.filter(method=method, used=True).count(),
                "by_channel": sorted(
                    (Channel(c).label if c in Channel.values else c, n) for c, n in counts.items()
                ),
            }
        )
    context = {
        "campaign": found,
        "methods": methods,
        "can_act": is_organiser(request.user),
        "windows": _windows_of(found),
    }
    return render(request, "surveys/campaign.html", context)


def _done(request: HttpRequest, campaign_code: str, text: str) -> HttpResponse:
    return render(
        request,
        "surveys/done.html",
        {"text": text, "back": reverse("surveys:campaign", args=[campaign_code])},
    )


def _problem(request: HttpRequest, campaign_code: str, error: InvalidInput) -> HttpResponse:
    context = {
        "errors": [str(p) for p in error.problems],
        "back": reverse("surveys:campaign", args=[campaign_code]),
    }
    return render(request, "surveys/done.html", context, status=400)


@require(Role.ORGANISER)
@require_POST
def freeze(request: HttpRequest, code: str, method: str) -> HttpResponse:
    found = get_ballot_method(get_campaign(code), method)
    try:
        questionnaire = do_freeze_questionnaire(request.user, found)
    except InvalidInput as error:
        return _problem(request, code, error)
    return _done(
        request, code, f"“{found.title}”使用问卷第 {questionnaire.version} 版,已开始收集。"
    )


@require(Role.ORGANISER)
@require_POST
def create_windows(request: HttpRequest, code: str, method: str) -> HttpResponse:
    found_campaign = get_campaign(code)
    found = get_ballot_method(found_campaign, method)
    links = do_create_window_links(request.user, found, _windows_of(found_campaign, found.code))
    return _done(request, code, f"“{found.title}”共有 {len(links)} 个窗口评价码。")


def _qr_data_uri(url: str) -> str:
    svg = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return str(svg)


@require(Role.ORGANISER)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, code: str, method: str) -> HttpResponse:
    """Issue invitations; the plain links and codes are shown on this one response only."""
    found_campaign = get_campaign(code)
    found = get_ballot_method(found_campaign, method)
    form = IssueInvitationsForm(request.POST or None)
    pickable = pickable_units(found_campaign, method=found.code).by_code()
    form.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in pickable.values()])  # type: ignore[attr-defined]
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        holders, errors = form.holder_list()
        unit = form.cleaned_data["unit"]
        if not errors:
            try:
                result = do_issue_invitations(
                    request.user,
                    found,
                    holders,
                    expires=form.cleaned_data["expires"],
                    unit=unit,
                    category=form.cleaned_data["category"].strip(),
                )
            except InvalidInput as error:
                errors = [str(p) for p in error.problems]
            else:
                return _issued(request, found, result.issued, result.already)
    context = {"form": form, "method": found, "campaign": found_campaign, "errors": errors}
    failed = bool(errors or form.errors)
    return render(request, "surveys/invite.html", context, status=400 if failed else 200)


# Columns of the downloads of newly issued invitations (CSV and Excel alike).
ISSUED_HEADER = ["姓名", "邀请链接", "短码", "有效期至"]


def _data_uri(content_type: str, body: bytes) -> str:
    return f"data:{content_type};base64," + base64.b64encode(body).decode()


def _issued(
    request: HttpRequest, method: Method, issued: list[Any], already: list[str]
) -> HttpResponse:
    """The one page that shows new links and codes, with CSV and Excel copies embedded in it.

    Embedded, not linked: the plain codes exist only in this response, so a download
    link to another address would have nothing to serve.
    """
    rows, table = [], []
    for item in issued:
        link = public_url(request, reverse("surveys:invitation", args=[item.token]))
        code = format_code(item.code)
        names = "、".join(item.names)
        table.append([names, link, code, item.expires.isoformat()])
        rows.append({"names": names, "link": link, "code": code, "qr": _qr_data_uri(link)})
    xlsx = one_sheet_workbook("邀请码", ISSUED_HEADER, table)
    csv = text_csv([ISSUED_HEADER, *table]).encode("utf-8")
    context = {
        "method": method,
        "rows": rows,
        "already": already,
        "code_url": public_url(request, reverse("surveys:code")),
        "csv": _data_uri("text/csv;charset=utf-8", csv),
        "xlsx": _data_uri(XLSX_TYPE, xlsx),
    }
    response = render(request, "surveys/issued.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require(Role.ORGANISER, Role.LEADER)
def window_sheet(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The A5 sheet for a window: its name and QR code, to print and put up (R-12)."""
    link = get_window_link(request, pk)
    url = public_url(request, reverse("surveys:window", args=[link.slug]))
    pdf = window_sheet_pdf(link, url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="window-{link.unit.code}.pdf"'
    return response


@require(Role.ORGANISER)
@require_POST
def register_kiosk(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    link = get_window_link(request, pk)
    form = KioskForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        back = reverse("surveys:campaign", args=[link.campaign.code])
        return render(request, "surveys/done.html", {"errors": errors, "back": back}, status=400)
    try:
        device, token = do_register_kiosk(request.user, link, form.cleaned_data["name"])
    except InvalidInput as error:
        return _problem(request, link.campaign.code, error)
    url = public_url(request, reverse("surveys:kiosk_pair", args=[token]))
    context: dict[str, Any] = {"kiosk": device, "url": url, "qr": _qr_data_uri(url), "link": link}
    response = render(request, "surveys/kiosk_registered.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require(Role.ORGANISER)
@require_POST
def revoke_kiosk(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    device = get_kiosk(request, pk)
    do_revoke_kiosk(request.user, device)
    return _done(request, device.window.campaign.code, f"评价终端“{device.name}”已停用。")


@require(Role.ORGANISER, Role.LEADER)
def comments(request: HttpRequest, code: str) -> HttpResponse:
    found = get_campaign(code)
    rows = Comment.objects.filter(campaign=found).select_related("unit")
    only = request.GET.get("follow_up") == "1"
    if only:
        rows = rows.filter(follow_up=True)
    context = {
        "campaign": found,
        "comments": rows[:500],
        "only": only,
        "can_act": is_organiser(request.user),
    }
    return render(request, "surveys/comments.html", context)


@require(Role.ORGANISER)
@require_POST
def mark_comment(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    comment = get_comment(request, pk)
    follow_up = request.POST.get("follow_up") == "1"
    if comment.case_number and not follow_up:
        return render(
            request,
            "surveys/done.html",
            {
                "errors": [f"这条意见已登记为问题 {comment.case_number},不能取消跟进。"],
                "back": reverse("surveys:comments", args=[comment.campaign.code]),
            },
            status=400,
        )
    do_mark_comment(request.user, comment, follow_up)
    return redirect(reverse("surveys:comments", args=[comment.campaign.code]) + f"#c-{comment.pk}")


@require(Role.ORGANISER, Role.LEADER)
def categories(request: HttpRequest, code: str, method: str) -> HttpResponse:
    found = get_ballot_method(get_campaign(code), method)
    columns, rows = category_table(found)
    context = {"method": found, "columns": columns, "rows": rows, "threshold": threshold()}
    return render(request, "surveys/categories.html", context)


@require(Role.ORGANISER)
@require_http_methods(["GET", "POST"])
def collection_settings(request: HttpRequest, code: str, method: str) -> HttpResponse:
    found = get_ballot_method(get_campaign(code), method)
    current = settings_for(found)
    form = CollectionSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        # The form wrote onto the instance while validating; compare against the stored row.
        do_update_collection_settings(request.user, found, values)
        return _done(request, code, f"“{found.title}”的收集设置已保存。")
    context = {"form": form, "method": found}
    return render(request, "surveys/settings.html", context, status=400 if form.errors else 200)
