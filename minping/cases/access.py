"""Fetching cases and ledger items only as far as the user may see them (DESIGN principle 3)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from minping.cases.models import Case, LedgerItem
from minping.orgs.access import visible_unit_ids


def visible_cases(user: Any) -> QuerySet[Case]:
    """All cases for organisers and leaders; for a liaison, those transferred to their unit.

    A case registered against a unit is the organiser's until it is transferred (R-27):
    the unit must not read a complaint about itself before the organiser has decided
    to send it, nor one the organiser merged or kept. A case returned by the unit
    loses its unit, and so leaves the unit's view too.
    """
    ids = visible_unit_ids(user)
    cases = Case.objects.select_related("unit", "campaign")
    if ids is None:
        return cases
    return cases.filter(unit_id__in=ids, transferred_on__isnull=False)


def get_case_for_user(request: HttpRequest, number: str) -> Case:
    """The case with this number if the user may see it, else 404 (it is not said to exist)."""
    case = visible_cases(request.user).filter(number=number).first()
    if case is None:
        raise Http404("没有这个问题")
    return case


def get_ledger_item_for_user(request: HttpRequest, pk: int) -> LedgerItem:
    ids = visible_unit_ids(request.user)
    items = LedgerItem.objects.select_related("unit", "case")
    item = (items if ids is None else items.filter(unit_id__in=ids)).filter(pk=pk).first()
    if item is None:
        raise Http404("没有这个台账事项")
    return item
