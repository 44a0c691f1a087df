"""What every console page shares: fetching a campaign, the role menu, one-time messages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from minping.campaigns.models import Campaign
from minping.orgs.access import roles_of
from minping.orgs.models import Role


def get_campaign(code: str) -> Campaign:
    """A campaign by code for console pages, which only organisers and leaders open."""
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404("没有这个评议活动")
    return campaign


def user_id_from(request: HttpRequest, field: str = "user") -> int | None:
    value = request.POST.get(field, "")
    return int(value) if value.isdigit() else None


def role_context(request: HttpRequest) -> dict[str, Any]:
    roles = roles_of(request.user)
    return {
        "is_organiser": Role.ORGANISER in roles,
        "is_staff_role": bool(roles & {Role.ORGANISER, Role.LEADER}),
    }
