"""One unit's report card (单位成绩单) as PDF or Word, from the portal.

A liaison gets only their own unit's card (another unit's is a 404, as for every
portal page), and only once the results are released to units: the portal's own
rule (``ResultSnapshot.released``: released to units or published, after approval where the
plan asks for it, R-37). Organisers
and leaders get any unit's card here on the same terms, as the portal shows it;
before publication they have every card in the organiser's ZIP.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from minping.campaigns.models import Campaign
from minping.orgs.access import get_unit_for_user, require
from minping.orgs.models import Role
from minping.reports.cards import unit_card
from minping.reports.views_analysis import CONTENT_TYPES
from minping.scoring.models import ResultSnapshot


@require(Role.LIAISON, Role.ORGANISER, Role.LEADER)
@require_GET
def card(request: HttpRequest, code: str, unit: str, fmt: str) -> HttpResponse:
    found = get_unit_for_user(request, unit)
    if fmt not in ("pdf", "docx"):
        raise Http404("没有这种格式")
    campaign = next((c for c in Campaign.taking_part([found]) if c.code == code), None)
    if campaign is None:
        raise Http404("本单位未参加这个评议活动")
    snapshot = ResultSnapshot.released(campaign)
    if snapshot is None or snapshot.unit(found.code) is None:
        raise Http404("本单位在这个评议活动中还没有发布的结果")
    data = unit_card(campaign, snapshot, found.code, fmt)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    name = f"{found.name}评议结果({campaign.year}).{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
