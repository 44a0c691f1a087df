"""Pages for the public, without signing in: report a problem, check its progress (R-32).

The progress page needs the case number and the check code given at
registration; wrong guesses are limited per visitor and per case number with
the Django cache, so the million six-digit codes cannot be tried.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minping.cases import actions
from minping.cases.actions import CaseActionRefused
from minping.cases.forms import CheckForm, PublicReportForm
from minping.cases.models import Case, Source, State
from minping.orgs.access import public

# Wrong check codes allowed per visitor address, and per case number, in WINDOW seconds.
CHECKS_PER_VISITOR = 10
FAILURES_PER_CASE = 5
REPORTS_PER_VISITOR = 5
WINDOW = 15 * 60
# Once these are reached the unit's answer is shown to the complainant.
ANSWERED = {State.VERIFIED, State.FOLLOWED_UP, State.CLOSED}
# Steps the complainant sees; internal ones (recommendations, deductions) are left out.
PUBLIC_EVENTS = [
    "register",
    "transfer",
    "accept",
    "return",
    "decide_extension",
    "reply",
    "explain",
    "send_back",
    "verify",
    "follow_up",
    "close",
    "merge",
]


def _visitor(request: HttpRequest) -> str:
    # Only the cache holds it, for WINDOW seconds; it is never stored with a case.
    return str(request.META.get("REMOTE_ADDR", ""))


def _count(key: str) -> int:
    """Add one to a counter that expires WINDOW seconds after it was first set."""
    cache.add(key, 0, WINDOW)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW)
        return 1


@public
def report(request: HttpRequest) -> HttpResponse:
    """The public web form; a name and phone are optional (anonymous reports are taken)."""
    form = PublicReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            return render(request, "cases/report.html", {"form": PublicReportForm()})
        if _count(f"cases-report:{_visitor(request)}") > REPORTS_PER_VISITOR:
            form.add_error(None, "您提交得太频繁了,请 15 分钟后再试,或拨打热线电话反映。")
            return render(request, "cases/report.html", {"form": form}, status=429)
        data = form.cleaned_data
        try:
            case = actions.do_register_case(
                source=Source.WEB,
                summary=data["summary"],
                details=data["details"],
                unit=data["unit"],
                complainant=form.identity(),
                actor=actions.PUBLIC_WEB,
            )
        except CaseActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            return render(request, "cases/report_done.html", {"case": case})
    return render(request, "cases/report.html", {"form": form})


@public
def check(request: HttpRequest) -> HttpResponse:
    """Progress by case number and check code, no account needed."""
    form = CheckForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "cases/check.html", {"form": form})
    number = form.cleaned_data["number"].strip()
    visitor_key = f"cases-check:{_visitor(request)}"
    case_key = f"cases-check-case:{number}"
    if (cache.get(visitor_key) or 0) >= CHECKS_PER_VISITOR or (
        cache.get(case_key) or 0
    ) >= FAILURES_PER_CASE:
        form.add_error(None, "查询次数过多,请 15 分钟后再试。如忘记查询码,请拨打热线电话查询。")
        return render(request, "cases/check.html", {"form": form}, status=429)
    case = Case.objects.select_related("unit").filter(number=number).first()
    if case is None or not actions.check_code_matches(case, form.cleaned_data["code"]):
        _count(visitor_key)
        _count(case_key)
        form.add_error(None, "问题编号或查询码不正确,请核对后重新输入。")
        return render(request, "cases/check.html", {"form": form}, status=404)
    # Merged into another case: show that case's progress, which is where the work goes on.
    shown = case.merged_into or case
    events = [(e.at, e.label) for e in shown.events.filter(action__in=PUBLIC_EVENTS)]
    return render(
        request,
        "cases/progress.html",
        {"case": case, "shown": shown, "events": events, "answered": shown.state in ANSWERED},
    )
