"""Staff pages: the case list, registering a call, a case with its timeline and its actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from minping.cases import actions
from minping.cases.access import get_case_for_user, visible_cases
from minping.cases.actions import CaseActionRefused
from minping.cases.forms import IntakeForm
from minping.cases.models import (
    FINISHED_STATES,
    ApiKey,
    Case,
    ExplanationKind,
    Extension,
    Satisfaction,
    Source,
    State,
)
from minping.cases.repeats import suggest_repeats
from minping.cases.stats import this_week
from minping.lib.errors import InvalidInput
from minping.orgs.access import has_role, is_organiser, require, visible_units
from minping.orgs.models import Role, Unit
from minping.oversight.access import get_visit_for_user

STAFF = (Role.ORGANISER, Role.LEADER, Role.LIAISON)


@require(*STAFF)
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may see; a liaison sees only their unit's (and its parts')."""
    cases = visible_cases(request.user)
    state = request.GET.get("state", "")
    if state in State.values:
        cases = cases.filter(state=state)
    if request.GET.get("overdue"):
        cases = cases.filter(overdue=True)
    # The 工作台's figures link here: cases not yet closed, and those due this week.
    if request.GET.get("open"):
        cases = cases.exclude(state__in=FINISHED_STATES)
    if request.GET.get("due") == "week":
        start, end = this_week()
        cases = cases.exclude(state__in=FINISHED_STATES).filter(due_on__range=(start, end))
    unit_code = request.GET.get("unit", "")
    if unit_code:
        cases = cases.filter(unit__code=unit_code)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        cases = cases.filter(Q(number__icontains=query) | Q(summary__icontains=query))
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "states": State.choices,
            "state": state,
            "query": query,
            "units": visible_units(request.user),
            "unit_code": unit_code,
            **nav_context(request),
        },
    )


@require(Role.ORGANISER)
def intake(request: HttpRequest) -> HttpResponse:
    """Register a problem taken on the hotline, from a media report, a forum…"""
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = actions.do_register_case(
                source=data["source"],
                summary=data["summary"],
                details=data["details"],
                unit=data["unit"],
                campaign=data["campaign"],
                complainant=form.identity(),
                deadline_workdays=data["deadline_workdays"],
                actor=request.user,
            )
        except CaseActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                f"已登记,问题编号 {case.number},查询码 {case.check_code}"
                "(请告知投诉人,凭编号和查询码可在网上查询办理进度;查询码不再显示)。",
            )
            return redirect("cases:detail", number=case.number)
    return render(request, "cases/intake.html", {"form": form, **nav_context(request)})


@require(*STAFF)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    case = get_case_for_user(request, number)
    organiser = is_organiser(request.user)
    allowed = set(actions.allowed_actions(case, request.user))
    context: dict[str, Any] = {
        "case": case,
        "events": case.events.select_related("actor"),
        "extensions": case.extensions.all(),
        "pending_extension": case.extensions.filter(decision=Extension.Decision.PENDING).first(),
        "allowed": allowed,
        **nav_context(request),
        "units": Unit.objects.all() if "transfer" in allowed else [],
        "satisfactions": Satisfaction.choices,
        "explanation_kinds": ExplanationKind.choices,
        "repeats": suggest_repeats(case) if organiser and "confirm_repeat" in allowed else [],
        "ledger_items": case.ledger_items.all(),
    }
    return render(request, "cases/detail.html", context)


def _int(value: str, label: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CaseActionRefused(f"{label}应为整数。") from None


def _other_case(request: HttpRequest, number: str, label: str) -> Case:
    other = visible_cases(request.user).filter(number=(number or "").strip()).first()
    if other is None:
        raise CaseActionRefused(f"没有编号为“{number}”的{label}。")
    return other


def _decide_extension(request: HttpRequest, case: Case) -> Any:
    extension = case.extensions.filter(decision=Extension.Decision.PENDING).first()
    if extension is None:
        raise CaseActionRefused("没有待审批的延期申请。")
    return actions.do_decide_extension(
        extension, approve=request.POST.get("approve") == "yes", actor=request.user
    )


def _transfer(request: HttpRequest, case: Case) -> Any:
    unit = Unit.objects.filter(code=request.POST.get("unit", "")).first()
    if unit is None:
        raise CaseActionRefused("请选择责任单位。")
    days = request.POST.get("deadline_workdays", "").strip()
    return actions.do_transfer(
        case,
        unit=unit,
        deadline_workdays=_int(days, "办理时限") if days else None,
        actor=request.user,
    )


def _confirm_repeat(request: HttpRequest, case: Case) -> Any:
    previous = _other_case(request, request.POST.get("previous", ""), "原问题")
    deduction = actions.do_confirm_repeat(case, previous=previous, actor=request.user)
    if deduction is not None:
        messages.info(request, "已按二次投诉提出减分,须经签认后才计入得分。")
    else:
        messages.warning(request, "已确认二次投诉;所属评议活动没有相应减分规则,未提出减分。")


Handler = Callable[[HttpRequest, Case], Any]
HANDLERS: dict[str, Handler] = {
    "draft_recommendation": lambda r, c: actions.do_draft_recommendation(
        c, text=r.POST.get("text", ""), actor=r.user
    ),
    "approve_recommendation": lambda r, c: actions.do_approve_recommendation(c, actor=r.user),
    "transfer": _transfer,
    "accept": lambda r, c: actions.do_accept(c, actor=r.user),
    "return": lambda r, c: actions.do_return(c, reason=r.POST.get("reason", ""), actor=r.user),
    "request_extension": lambda r, c: actions.do_request_extension(
        c,
        workdays=_int(r.POST.get("workdays", ""), "延长的工作日"),
        reason=r.POST.get("reason", ""),
        actor=r.user,
    ),
    "decide_extension": _decide_extension,
    "reply": lambda r, c: actions.do_reply(
        c,
        facts=r.POST.get("facts", ""),
        handling=r.POST.get("handling", ""),
        measures=r.POST.get("measures", ""),
        actor=r.user,
    ),
    "explain": lambda r, c: actions.do_explain(
        c,
        kind=r.POST.get("kind", ""),
        text=r.POST.get("text", ""),
        plan=r.POST.get("plan", ""),
        actor=r.user,
    ),
    "send_back": lambda r, c: actions.do_send_back(
        c, reason=r.POST.get("reason", ""), actor=r.user
    ),
    "verify": lambda r, c: actions.do_verify(c, note=r.POST.get("note", ""), actor=r.user),
    "follow_up": lambda r, c: actions.do_follow_up(
        c,
        satisfaction=r.POST.get("satisfaction", ""),
        note=r.POST.get("note", ""),
        actor=r.user,
    ),
    "close": lambda r, c: actions.do_close(c, actor=r.user),
    "merge": lambda r, c: actions.do_merge(
        c, into=_other_case(r, r.POST.get("into", ""), "问题"), actor=r.user
    ),
    "confirm_repeat": _confirm_repeat,
    "dismiss_repeat": lambda r, c: actions.do_dismiss_repeat(c, actor=r.user),
}


@require(*STAFF)
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action on a case; a refusal is shown on the case page and nothing changes."""
    case = get_case_for_user(request, number)
    handler = HANDLERS.get(action)
    if handler is None:
        messages.error(request, "没有这个操作。")
    else:
        try:
            handler(request, case)
        except CaseActionRefused as refused:
            messages.error(request, refused.message)
        else:
            if action != "confirm_repeat":  # that one says itself whether a deduction followed
                messages.success(request, f"已{actions.TRANSITIONS[action].label}。")
    return redirect("cases:detail", number=case.number)


@require(Role.ORGANISER)
@require_POST
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Show the complainant's identity to an organiser, once, after logging why (R-32)."""
    case = get_case_for_user(request, number)
    try:
        complainant = actions.do_reveal_identity(
            case, reason=request.POST.get("reason", ""), actor=request.user
        )
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("cases:detail", number=case.number)
    return render(request, "cases/identity.html", {"case": case, "complainant": complainant})


@require(*STAFF)
def card(request: HttpRequest, number: str) -> HttpResponse:
    """The registration-and-transfer card (登记转办卡), laid out for printing."""
    case = get_case_for_user(request, number)
    return render(request, "cases/card.html", {"case": case})


@require(*STAFF)
def card_docx(request: HttpRequest, number: str) -> HttpResponse:
    from minping.cases.documents import card_document

    case = get_case_for_user(request, number)
    response = HttpResponse(
        card_document(case),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="card-{case.number}.docx"'
    return response


@require(*STAFF)
def card_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The same card as an A4 PDF, for offices that file or send cards as PDF."""
    from minping.cases.documents import card_pdf as render_card_pdf

    case = get_case_for_user(request, number)
    response = HttpResponse(render_card_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="card-{case.number}.pdf"'
    return response


@require(Role.ORGANISER)
def api_keys(request: HttpRequest) -> HttpResponse:
    """Keys for outside systems (12345 platforms) sending cases through the API."""
    new_key = ""
    if request.method == "POST":
        try:
            if revoke := request.POST.get("revoke"):
                key = _api_key(revoke)
                actions.do_revoke_api_key(key, actor=request.user)
                messages.success(request, f"已停用 {key}。")
                return HttpResponseRedirect(reverse("cases:api-keys"))
            if rotate := request.POST.get("rotate"):
                _, new_key = actions.do_rotate_api_key(_api_key(rotate), actor=request.user)
            else:
                _, new_key = actions.do_issue_api_key(
                    source=request.POST.get("source", ""),
                    name=request.POST.get("name", ""),
                    actor=request.user,
                )
        except CaseActionRefused as refused:
            messages.error(request, refused.message)
    return render(
        request,
        "cases/api_keys.html",
        {
            "keys": ApiKey.objects.order_by("-created"),
            "new_key": new_key,
            "sources": Source.choices,
            **nav_context(request),
        },
    )


def _api_key(value: str) -> ApiKey:
    key = ApiKey.objects.filter(pk=_int(value, "密钥")).first()
    if key is None:
        raise CaseActionRefused("没有这个密钥。")
    return key


@require(Role.ORGANISER)
def comments(request: HttpRequest) -> HttpResponse:
    """Questionnaire comments staff marked for follow-up, waiting to be registered as cases."""
    from minping.surveys.models import Comment

    if request.method == "POST":
        comment_id = _uuid(request.POST.get("comment", ""))
        comment = Comment.objects.filter(pk=comment_id).first() if comment_id else None
        if comment is None:
            messages.error(request, "没有这条意见。")
        else:
            try:
                case = actions.do_register_from_comment(comment, actor=request.user)
            except CaseActionRefused as refused:
                messages.error(request, refused.message)
            else:
                messages.success(request, f"已登记为问题 {case.number}。")
        return redirect("cases:comments")
    waiting = Comment.objects.filter(follow_up=True, case_number="").select_related(
        "unit", "campaign"
    )[:200]
    return render(request, "cases/comments.html", {"comments": waiting, **nav_context(request)})


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def nav_context(request: HttpRequest) -> dict[str, bool]:
    return {
        "organiser": is_organiser(request.user),
        "leader": has_role(request.user, Role.LEADER),
    }


@require(Role.INSPECTOR, Role.ORGANISER)
@require_POST
def from_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspection's findings become a case; shown among the console's inspection pages."""
    visit = get_visit_for_user(request, pk)
    try:
        case = actions.do_register_from_visit(visit, actor=request.user)
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    except InvalidInput as error:
        messages.error(request, ";".join(error.lines()))
    else:
        messages.success(request, f"已转为问题线索 {case.number},交由单位整改。")
    return redirect("console:oversight:visit", pk=visit.pk)
