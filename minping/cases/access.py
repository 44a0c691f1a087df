"""Fetching cases and ledger items only as far as the user may see them (DESIGN principle 3)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from minping.cases.models import Case, LedgerItem
from minping.orgs.access import visible_unit_ids


def visible_cases(user: Any) -> QuerySet[Case]:
    """All cases for organisers and leaders; a liaison's unit's (and its parts') cases."""
    ids = visible_unit_ids(user)
    cases = Case.objects.select_related("unit", "campaign")
    return cases if ids is None else cases.filter(unit_id__in=ids)


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
