"""The hall screen (大屏): its page, the JSON it polls, and the organiser's screen links.

The public opens ``/c/<活动>/screen/`` only when the campaign publishes its results (R-37);
organisers and leaders may always look at it. Any other screen is opened by a link the
organiser issues (``/tv/<secret>/``) and may revoke; a revoked or unknown link is "not found".
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minping.campaigns.models import Campaign
from minping.lib.errors import InvalidInput
from minping.orgs.access import has_role, public, require
from minping.orgs.models import Role
from minping.reports import screen
from minping.reports.actions import do_issue_screen_link, do_revoke_screen_link, screen_token_hash
from minping.reports.models import ScreenLink


def _open_campaign(request: HttpRequest, code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None or not (
        campaign.publish or has_role(request.user, Role.ORGANISER, Role.LEADER)
    ):
        raise Http404("没有这个大屏")
    return campaign


def _linked_campaign(token: str) -> Campaign:
    link = (
        ScreenLink.objects.filter(token_hash=screen_token_hash(token), revoked_at__isnull=True)
        .select_related("campaign")
        .first()
    )
    if link is None:
        raise Http404("没有这个大屏")
    return link.campaign


def _page(request: HttpRequest, campaign: Campaign, data_url: str) -> HttpResponse:
    context = {
        "campaign": campaign,
        "data_url": data_url,
        "poll": screen.seconds("MINPING_SCREEN_POLL_SECONDS", screen.POLL_SECONDS),
        "page_seconds": screen.seconds("MINPING_SCREEN_PAGE_SECONDS", screen.PAGE_SECONDS),
        "first": screen.payload(campaign),
    }
    response = render(request, "reports/screen.html", context)
    # A screen left on for days must never show a page a proxy kept.
    response["Cache-Control"] = "no-store"
    return response


def _data(campaign: Campaign) -> JsonResponse:
    response = JsonResponse(screen.payload(campaign), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@public
@require_GET
def campaign_screen(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _open_campaign(request, code)
    return _page(request, campaign, reverse("screen-data", args=[code]))


@public
@require_GET
def campaign_screen_data(request: HttpRequest, code: str) -> JsonResponse:
    return _data(_open_campaign(request, code))


@public
@require_GET
def linked_screen(request: HttpRequest, token: str) -> HttpResponse:
    campaign = _linked_campaign(token)
    return _page(request, campaign, reverse("tv-data", args=[token]))


@public
@require_GET
def linked_screen_data(request: HttpRequest, token: str) -> JsonResponse:
    return _data(_linked_campaign(token))


@require(Role.ORGANISER)
@require_http_methods(["GET", "POST"])
def screen_links(request: HttpRequest, code: str) -> HttpResponse:
    """The campaign's screen links: issue one (its address is shown this once), revoke one."""
    campaign = get_object_or_404(Campaign, code=code)
    issued = ""
    errors: list[str] = []
    label = ""
    if request.method == "POST":
        label = str(request.POST.get("label", ""))
        try:
            _link, token = do_issue_screen_link(request.user, campaign, label)
        except InvalidInput as error:
            errors = [str(p) for p in error.problems]
        else:
            issued = request.build_absolute_uri(reverse("tv", args=[token]))
            label = ""
    context = {
        "campaign": campaign,
        "links": list(campaign.screen_links.select_related("issued_by")),
        "issued": issued,
        "errors": errors,
        "label": label,
        "public_url": request.build_absolute_uri(reverse("screen", args=[code])),
    }
    response = render(request, "reports/screen_links.html", context, status=400 if errors else 200)
    response["Cache-Control"] = "no-store"
    return response


@require(Role.ORGANISER)
@require_POST
def screen_link_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    link = get_object_or_404(ScreenLink, pk=pk, campaign__code=code)
    do_revoke_screen_link(request.user, link)
    messages.success(request, f"已收回“{link.label}”的大屏链接,该屏幕将在下次刷新时停止显示。")
    return redirect("screen-links", code=code)
