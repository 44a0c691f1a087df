"""The console's front page (工作台) and where each role lands after signing in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from minping.campaigns.models import Campaign
from minping.console.dashboard import dashboard
from minping.orgs.access import public, require, roles_of, source_codes
from minping.orgs.models import Role

# After sign-in: the first of the user's roles here decides the page (docs/roles.md).
LANDING = [
    (Role.ORGANISER, "console:home"),
    (Role.LEADER, "console:home"),
    (Role.LIAISON, "console:portal"),
    (Role.INSPECTOR, "console:oversight:inspections"),
    (Role.RATER, "console:my-sheets"),
    (Role.SOURCE_MEMBER, "console:oversight:deductions"),
    (Role.SOURCE_HEAD, "console:oversight:deductions"),
]


@require(*Role.values)
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    # An approver's campaigns: those whose results their body approves.
    approvals = []
    if Role.APPROVER in roles:
        approvals = list(
            Campaign.objects.filter(approval_code__in=source_codes(request.user, Role.APPROVER))
        )
    figures = None
    if roles & {Role.ORGANISER, Role.LEADER}:
        figures = dashboard(request.user)
    context = {"roles": roles, "Role": Role, "approvals": approvals, "figures": figures}
    return render(request, "console/home.html", context)


@public
def landing(request: HttpRequest) -> HttpResponse:
    """Where sign-in leads when no page was asked for: the page of the user's main role."""
    if not request.user.is_authenticated:
        return redirect(reverse("login"))
    roles = roles_of(request.user)
    for role, name in LANDING:
        if role in roles:
            return redirect(name)
    if roles:
        return redirect("console:home")
    # Signed in with no role (an account not yet given one): the public pages.
    return redirect("index")
