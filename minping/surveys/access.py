"""Fetching the surveys app's objects for a user, with the access check in the same call."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest

from minping.campaigns.models import Campaign, Method
from minping.orgs.access import scope_to_units
from minping.surveys.models import Ballot, Comment, Kiosk, WindowLink


def get_campaign(code: str) -> Campaign:
    """Campaigns are seen by every organiser and leader; the views say who they are."""
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404("没有这个评议活动")
    return campaign


def get_ballot_method(campaign: Campaign, code: str) -> Method:
    method = campaign.methods.filter(code=code, input=Method.BALLOTS).first()
    if method is None:
        raise Http404("本活动没有这个问卷评议方法")
    return method


def _scoped(request: HttpRequest, queryset: Any, pk: uuid.UUID, field: str) -> Any:
    found = scope_to_units(queryset, request.user, field).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到")
    return found


def get_window_link(request: HttpRequest, pk: uuid.UUID) -> WindowLink:
    queryset = WindowLink.objects.select_related("unit", "campaign", "method")
    link: WindowLink = _scoped(request, queryset, pk, "unit")
    return link


def get_kiosk(request: HttpRequest, pk: uuid.UUID) -> Kiosk:
    queryset = Kiosk.objects.select_related("window__unit", "window__campaign")
    kiosk: Kiosk = _scoped(request, queryset, pk, "window__unit")
    return kiosk


def get_comment(request: HttpRequest, pk: uuid.UUID) -> Comment:
    queryset = Comment.objects.select_related("unit", "campaign")
    comment: Comment = _scoped(request, queryset, pk, "unit")
    return comment


def get_held_ballot(request: HttpRequest, pk: uuid.UUID) -> Ballot:
    queryset = Ballot.objects.select_related("unit", "campaign", "method")
    ballot: Ballot = _scoped(request, queryset, pk, "unit")
    return ballot
