"""The console's front page: what each role does here, as links."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minping.campaigns.models import Campaign
from minping.orgs.access import require, roles_of, source_codes
from minping.orgs.models import Role
from minping.oversight.models import Deduction, Review, Veto


@require(*Role.values)
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    pending = 0
    if Role.ORGANISER in roles:
        pending = (
            Deduction.objects.filter(status=Review.SIGNED_OFF).count()
            + Veto.objects.filter(status=Review.SIGNED_OFF).count()
        )
    # An approver's campaigns: those whose results their body approves.
    approvals = []
    if Role.APPROVER in roles:
        approvals = list(
            Campaign.objects.filter(approval_code__in=source_codes(request.user, Role.APPROVER))
        )
    context = {"roles": roles, "Role": Role, "pending": pending, "approvals": approvals}
    return render(request, "console/home.html", context)
