"""The organiser's progress monitor (R-10): a page, its live fragment, and closing a round."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from minping.lib.errors import InputProblem, InvalidInput
from minping.orgs.access import is_organiser, require
from minping.orgs.models import Role
from minping.surveys.access import get_ballot_method, get_campaign
from minping.surveys.actions import do_advance_round
from minping.surveys.breakdown import threshold
from minping.surveys.progress import campaign_progress

# Seconds between the fragment's refreshes; the figures are a few GROUP BYs per method.
POLL_SECONDS = 10


def _context(request: HttpRequest, code: str) -> dict[str, object]:
    found = get_campaign(code)
    return {
        "campaign": found,
        "methods": campaign_progress(found),
        "can_act": is_organiser(request.user),
        "threshold": threshold(),
        "poll": POLL_SECONDS,
    }


@require(Role.ORGANISER, Role.LEADER)
@require_GET
def progress(request: HttpRequest, code: str) -> HttpResponse:
    """The whole page; without JavaScript a reload shows what the fragment would."""
    return render(request, "surveys/progress.html", _context(request, code))


@require(Role.ORGANISER, Role.LEADER)
@require_GET
def progress_live(request: HttpRequest, code: str) -> HttpResponse:
    """The figures alone, fetched by htmx every POLL_SECONDS and swapped into the page."""
    response = render(request, "surveys/progress_live.html", _context(request, code))
    response["Cache-Control"] = "no-store"
    return response


@require(Role.ORGANISER)
@require_POST
def advance_round(request: HttpRequest, code: str, method: str) -> HttpResponse:
    found = get_ballot_method(get_campaign(code), method)
    back = reverse("surveys:progress", args=[code])
    closing = str(request.POST.get("closing", ""))
    try:
        if not closing.isdigit() or not 0 < int(closing) < 1000:
            raise InvalidInput([InputProblem("表单已失效,请返回进度页面后重试。")])
        settings = do_advance_round(request.user, found, int(closing))
    except InvalidInput as error:
        context = {"errors": [str(p) for p in error.problems], "back": back}
        return render(request, "surveys/done.html", context, status=400)
    text = f"“{found.title}”现在是第 {settings.current_round} 轮(共 {settings.rounds} 轮)。"
    return render(request, "surveys/done.html", {"text": text, "back": back})
