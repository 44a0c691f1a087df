"""Fetching oversight objects with the access check in the same call (DESIGN principle 3).

- Deductions and vetoes: organisers and leaders see all; a deduction source's
  people see their own source's; a unit never sees who proposed one.
- Visits and contact cards: the organiser sees all; an inspector only their own.
  The visited unit sees findings through the portal, never the inspector.
- Submissions: the organiser and leaders see all; a liaison only their units'.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from minping.orgs.access import has_role, scope_to_units, source_codes
from minping.orgs.models import Role
from minping.oversight.models import ContactCard, Deduction, Submission, Veto, Visit, VisitPhoto

STAFF = (Role.ORGANISER, Role.LEADER)


def deductions_for(user: Any) -> QuerySet[Deduction]:
    deductions = Deduction.objects.select_related(
        "campaign", "unit", "rule", "rule__source", "source"
    )
    if has_role(user, *STAFF):
        return deductions
    mine = source_codes(user)
    # A deduction under a rule several bodies propose (version 2) is its proposer's.
    return deductions.filter(
        Q(source__isnull=True, rule__source__code__in=mine) | Q(source__code__in=mine)
    )


def vetoes_for(user: Any) -> QuerySet[Veto]:
    vetoes = Veto.objects.select_related("campaign", "unit", "rule")
    if has_role(user, *STAFF):
        return vetoes
    return vetoes.filter(source_code__in=source_codes(user)).exclude(source_code="")


def get_deduction_for_user(request: HttpRequest, pk: int) -> Deduction:
    found = deductions_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("没有这条减分")
    return found


def get_veto_for_user(request: HttpRequest, pk: int) -> Veto:
    found = vetoes_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("没有这条一票否决")
    return found


def visits_for(user: Any) -> QuerySet[Visit]:
    visits = Visit.objects.select_related("campaign", "unit", "inspector")
    if has_role(user, Role.ORGANISER):
        return visits
    return visits.filter(inspector=user)


def get_visit_for_user(request: HttpRequest, pk: int) -> Visit:
    found = visits_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("没有这条走访记录")
    return found


def get_photo_for_user(request: HttpRequest, pk: int) -> VisitPhoto:
    photos = VisitPhoto.objects.select_related("visit")
    if not has_role(request.user, Role.ORGANISER):
        photos = photos.filter(visit__inspector_id=request.user.pk)
    found = photos.filter(pk=pk).first()
    if found is None:
        raise Http404("没有这张照片")
    return found


def get_card_for_user(request: HttpRequest, pk: int) -> ContactCard:
    cards = ContactCard.objects.select_related("unit")
    if not has_role(request.user, Role.ORGANISER):
        cards = cards.filter(inspector_id=request.user.pk)
    found = cards.filter(pk=pk).first()
    if found is None:
        raise Http404("没有这张联系卡")
    return found


def get_submission_for_user(request: HttpRequest, pk: int) -> Submission:
    submissions = scope_to_units(
        Submission.objects.select_related("requirement", "unit"), request.user
    )
    found = submissions.filter(pk=pk).first()
    if found is None:
        raise Http404("没有这份材料")
    return found


def findings_for_unit_ids(unit_ids: set[int] | None) -> QuerySet[Visit]:
    """Visits a unit may read about: its own and its parts', findings only (no inspector)."""
    visits = Visit.objects.select_related("unit", "campaign")
    return visits if unit_ids is None else visits.filter(Q(unit_id__in=unit_ids))
