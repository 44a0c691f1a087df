"""Pages of oversight: proposing and signing deductions and vetoes, the organiser's review
queue, and inspectors' plans, visits and contact cards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.campaigns.models import Campaign
from minping.lib.downloads import serve_upload
from minping.lib.errors import InvalidInput
from minping.orgs.access import has_role, require, source_codes
from minping.orgs.models import Role
from minping.oversight import actions
from minping.oversight.access import (
    deductions_for,
    get_card_for_user,
    get_deduction_for_user,
    get_photo_for_user,
    get_veto_for_user,
    get_visit_for_user,
    vetoes_for,
    visits_for,
)
from minping.oversight.forms import (
    CardForm,
    DeclineForm,
    DeductionForm,
    PlanForm,
    VetoForm,
    VisitForm,
)
from minping.oversight.models import ContactCard, Review, ReviewedItem, VisitPlan

STAFF = (Role.ORGANISER, Role.LEADER)
SOURCES = (Role.SOURCE_MEMBER, Role.SOURCE_HEAD)


def chosen_campaign(request: HttpRequest) -> Campaign:
    """The campaign named by ``?campaign=``, else the newest; 404 when there is none."""
    code = request.GET.get("campaign") or request.POST.get("campaign")
    campaigns = Campaign.objects.all()
    campaign = campaigns.filter(code=code).first() if code else campaigns.first()
    if campaign is None:
        raise Http404("还没有评议活动")
    return campaign


def _problems(error: Exception) -> list[str]:
    return error.lines() if isinstance(error, InvalidInput) else [str(error)]


# --- deductions and vetoes -----------------------------------------------------------------


@require(*STAFF, *SOURCES)
def deduction_list(request: HttpRequest) -> HttpResponse:
    """A source's people see their proposals and what became of them; heads sign here."""
    campaign = chosen_campaign(request)
    context = {
        "campaign": campaign,
        "campaigns": Campaign.objects.all(),
        "deductions": deductions_for(request.user).filter(campaign=campaign),
        "vetoes": vetoes_for(request.user).filter(campaign=campaign),
        "head_of": source_codes(request.user, Role.SOURCE_HEAD),
        "may_propose": has_role(request.user, Role.ORGANISER, *SOURCES),
        "decline_form": DeclineForm(),
    }
    return render(request, "oversight/deductions.html", context)


@require(Role.ORGANISER, *SOURCES)
def deduction_new(request: HttpRequest) -> HttpResponse:
    campaign = chosen_campaign(request)
    sources = None if has_role(request.user, Role.ORGANISER) else source_codes(request.user)
    form = DeductionForm(
        request.POST or None, request.FILES or None, campaign=campaign, sources=sources
    )
    return _propose_page(
        request,
        form,
        campaign,
        "减分",
        "已提出减分,待提出单位负责人签字。",
        lambda data: actions.do_propose_deduction(
            campaign=campaign,
            count=data["count"],
            points=data.get("points"),
            actor=request.user,
            **_evidence(data),
        ),
    )


@require(Role.ORGANISER, *SOURCES)
def veto_new(request: HttpRequest) -> HttpResponse:
    campaign = chosen_campaign(request)
    titles = dict(campaign.deduction_sources.values_list("code", "title"))
    if has_role(request.user, Role.ORGANISER):
        choices = [("", "组织单位直接登记(无需签字)")]
        choices += [(code, titles.get(code, code)) for code in sorted(titles)]
    else:
        choices = [(code, titles.get(code, code)) for code in sorted(source_codes(request.user))]
    form = VetoForm(request.POST or None, request.FILES or None, campaign=campaign, sources=choices)
    return _propose_page(
        request,
        form,
        campaign,
        "一票否决",
        "已提出一票否决。",
        lambda data: actions.do_propose_veto(
            campaign=campaign,
            source_code=data["source_code"],
            actor=request.user,
            **_evidence(data),
        ),
    )


def _evidence(data: dict[str, Any]) -> dict[str, Any]:
    """The fields a deduction and a veto proposal share."""
    fields = ["unit", "rule", "date", "evidence", "document_number", "attachment"]
    return {name: data[name] for name in fields}


def _propose_page(
    request: HttpRequest,
    form: forms.Form,
    campaign: Campaign,
    what: str,
    done: str,
    propose: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """Show a proposal form; on a valid post run ``propose``; a refusal says why."""
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            propose(form.cleaned_data)
        except (InvalidInput, actions.NotAllowed) as error:
            problems = _problems(error)
        else:
            messages.success(request, done)
            return redirect(f"/console/oversight/deductions/?campaign={campaign.code}")
    context = {"form": form, "campaign": campaign, "problems": problems, "what": what}
    return render(request, "oversight/propose.html", context)


def _step(request: HttpRequest, item: ReviewedItem, step: str) -> HttpResponse:
    """Run one workflow step from a button; a refused step says why and changes nothing."""
    reason = request.POST.get("reason", "")
    try:
        if step == "sign":
            actions.do_sign_off(item, actor=request.user)
            messages.success(request, "已签字,转组织单位审核。")
        elif step == "accept":
            actions.do_accept(item, actor=request.user, reason=reason)
            messages.success(request, "已采纳,计入评分。")
        else:
            actions.do_reject(item, actor=request.user, reason=reason)
            messages.success(request, "已退回,理由已记录。")
    except (InvalidInput, actions.NotAllowed) as error:
        messages.error(request, ";".join(_problems(error)))
    back = request.POST.get("next", "")
    if back.startswith("/console/") and "//" not in back:
        return redirect(back)
    return redirect(f"/console/oversight/deductions/?campaign={item.campaign.code}")


@require(Role.SOURCE_HEAD, Role.ORGANISER)
@require_POST
def deduction_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    return _step(request, get_deduction_for_user(request, pk), step)


@require(Role.SOURCE_HEAD, Role.ORGANISER)
@require_POST
def veto_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    return _step(request, get_veto_for_user(request, pk), step)


@require(*STAFF, *SOURCES)
def deduction_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    deduction = get_deduction_for_user(request, pk)
    return serve_upload(deduction.attachment, deduction.attachment_type)


@require(*STAFF, *SOURCES)
def veto_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    veto = get_veto_for_user(request, pk)
    return serve_upload(veto.attachment, veto.attachment_type)


@require(*STAFF)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Signed-off deductions and vetoes awaiting the organiser's decision, oldest first."""
    context = {
        "deductions": deductions_for(request.user)
        .filter(status=Review.SIGNED_OFF)
        .order_by("signed_off_at", "pk"),
        "vetoes": vetoes_for(request.user)
        .filter(status=Review.SIGNED_OFF)
        .order_by("signed_off_at", "pk"),
        "decided": deductions_for(request.user)
        .filter(status__in=[Review.ACCEPTED, Review.REJECTED], decided_at__isnull=False)
        .order_by("-decided_at")[:20],
        "is_organiser": has_role(request.user, Role.ORGANISER),
    }
    return render(request, "oversight/review.html", context)


# --- inspectors (R-15, R-36) ---------------------------------------------------------------


@require(Role.INSPECTOR, Role.ORGANISER)
def inspections(request: HttpRequest) -> HttpResponse:
    campaign = chosen_campaign(request)
    organiser = has_role(request.user, Role.ORGANISER)
    plans = VisitPlan.objects.filter(campaign=campaign).select_related("unit", "inspector")
    cards = ContactCard.objects.select_related("unit", "inspector")
    if not organiser:
        plans = plans.filter(inspector_id=request.user.pk)
        cards = cards.filter(inspector_id=request.user.pk)
    context = {
        "campaign": campaign,
        "campaigns": Campaign.objects.all(),
        "plans": plans,
        "visits": visits_for(request.user).filter(campaign=campaign),
        "cards": cards,
        "is_organiser": organiser,
        "is_inspector": has_role(request.user, Role.INSPECTOR),
    }
    return render(request, "oversight/inspections.html", context)


@require(Role.INSPECTOR)
def plan_new(request: HttpRequest) -> HttpResponse:
    campaign = chosen_campaign(request)
    form = PlanForm(request.POST or None, campaign=campaign, initial={"year": campaign.year})
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_plan_visit(campaign=campaign, actor=request.user, **form.cleaned_data)
        except InvalidInput as error:
            problems = error.lines()
        else:
            messages.success(request, "已登记走访计划。")
            return redirect(f"/console/oversight/inspections/?campaign={campaign.code}")
    context = {
        "form": form,
        "campaign": campaign,
        "problems": problems,
        "title": "登记季度走访计划",
    }
    return render(request, "oversight/form.html", context)


@require(Role.INSPECTOR)
def visit_new(request: HttpRequest) -> HttpResponse:
    campaign = chosen_campaign(request)
    form = VisitForm(request.POST or None, request.FILES or None, campaign=campaign)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.do_record_visit(
                campaign=campaign,
                unit=data["unit"],
                date=data["date"],
                kind=data["kind"],
                findings=data["findings"],
                score=data["score"],
                photos=data["photos"],
                actor=request.user,
            )
        except InvalidInput as error:
            problems = error.lines()
        else:
            messages.success(request, "已保存走访记录。")
            return redirect("console:oversight:visit", pk=visit.pk)
    context = {"form": form, "campaign": campaign, "problems": problems, "title": "登记走访记录"}
    return render(request, "oversight/form.html", context)


@require(Role.INSPECTOR, Role.ORGANISER)
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request, pk)
    context = {"visit": visit, "photos": list(visit.photos.all())}
    return render(request, "oversight/visit.html", context)


@require(Role.INSPECTOR, Role.ORGANISER)
def visit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_photo_for_user(request, pk)
    return serve_upload(photo.file, photo.file_type)


@require(Role.INSPECTOR, Role.ORGANISER)
def card_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    card = get_card_for_user(request, pk) if pk is not None else None
    if card is None and not has_role(request.user, Role.INSPECTOR):
        return redirect("console:oversight:inspections")
    initial: dict[str, Any] = {}
    if card is not None:
        initial = {
            "unit": card.unit,
            "contact_name": card.contact_name,
            "contact_phone": card.contact_phone,
            "notes": card.notes,
        }
    form = CardForm(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_contact_card(card=card, actor=request.user, **form.cleaned_data)
        except InvalidInput as error:
            problems = error.lines()
        else:
            messages.success(request, "已保存联系卡。")
            return redirect("console:oversight:inspections")
    title = "联系卡" if card else "新建联系卡"
    return render(
        request, "oversight/form.html", {"form": form, "problems": problems, "title": title}
    )
