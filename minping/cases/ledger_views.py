"""A unit's rectification ledger (整改销号台账, R-30): measures struck off one by one."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.cases import actions
from minping.cases.access import get_ledger_item_for_user, visible_cases
from minping.cases.actions import CaseActionRefused
from minping.cases.exports import ledger_workbook
from minping.cases.models import Case, LedgerItem
from minping.lib.sheets import XLSX_TYPE
from minping.orgs.access import (
    get_unit_for_user,
    has_role,
    is_organiser,
    require,
    unit_ids_with_parts,
)
from minping.orgs.models import Role, Unit

STAFF = (Role.ORGANISER, Role.LEADER, Role.LIAISON)


def _contents(unit: Unit, request: HttpRequest) -> tuple[list[LedgerItem], list[Case]]:
    """The unit's and its parts' ledger items and cases."""
    ids = unit_ids_with_parts([unit.id])
    items = list(LedgerItem.objects.filter(unit_id__in=ids).select_related("case", "unit"))
    cases = list(visible_cases(request.user).filter(unit_id__in=ids).order_by("registered_on"))
    return items, cases


@require(*STAFF)
def ledger(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = get_unit_for_user(request, unit_code)
    items, cases = _contents(unit, request)
    # Leaders read; the unit's liaison and the organiser keep the ledger.
    can_edit = has_role(request.user, Role.ORGANISER, Role.LIAISON)
    return render(
        request,
        "cases/ledger.html",
        {
            "unit": unit,
            "items": items,
            "cases": cases,
            "open_cases": [c for c in cases if c.is_open],
            "can_edit": can_edit,
            "organiser": is_organiser(request.user),
            "leader": has_role(request.user, Role.LEADER),
        },
    )


@require(*STAFF)
def ledger_xlsx(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = get_unit_for_user(request, unit_code)
    items, cases = _contents(unit, request)
    response = HttpResponse(ledger_workbook(unit, items, cases), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="ledger-{unit.code}.xlsx"'
    return response


@require(Role.ORGANISER, Role.LIAISON)
@require_POST
def ledger_add(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = get_unit_for_user(request, unit_code)
    try:
        try:
            due_on = datetime.date.fromisoformat(request.POST.get("due_on", ""))
        except ValueError:
            raise CaseActionRefused("请填写完成时限,如 2026-06-30。") from None
        case = None
        if number := request.POST.get("case", "").strip():
            case = visible_cases(request.user).filter(number=number).first()
            if case is None:
                raise CaseActionRefused(f"没有编号为“{number}”的问题。")
        actions.do_add_ledger_item(
            unit=unit,
            problem=request.POST.get("problem", ""),
            measure=request.POST.get("measure", ""),
            responsible=request.POST.get("responsible", ""),
            due_on=due_on,
            case=case,
            actor=request.user,
        )
        messages.success(request, "已加入整改台账。")
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    return redirect("cases:ledger", unit_code=unit.code)


@require(Role.ORGANISER, Role.LIAISON)
@require_POST
def ledger_update(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_ledger_item_for_user(request, pk)
    try:
        if request.POST.get("strike") == "yes":
            actions.do_strike_off(item, actor=request.user)
            messages.success(request, "已销号。")
        else:
            actions.do_update_ledger_item(
                item,
                progress=request.POST.get("progress", ""),
                feedback=request.POST.get("feedback", ""),
                actor=request.user,
            )
            messages.success(request, "已更新整改进展。")
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    return redirect("cases:ledger", unit_code=item.unit.code)
