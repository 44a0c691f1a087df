"""Pages for the public, without signing in: report a problem, check its progress (R-32).

The progress page needs the case number and the check code given at
registration; wrong guesses are limited per case (whoever guesses), per device
and, up to a ceiling high enough for a hall behind one NAT, per address
(``surveys.limits``: cache only, subjects hashed), so the million six-digit
codes cannot be tried and one visitor cannot close the page to everyone else.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minping.cases import actions
from minping.cases.actions import CaseActionRefused
from minping.cases.forms import CheckForm, PublicReportForm
from minping.cases.models import Case, Source, State
from minping.lib import clients
from minping.orgs.access import public
from minping.surveys import limits

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


def _visitor(request: HttpRequest, prefix: str) -> list[tuple[str, str]]:
    """The limits a visitor's attempts count against: their device, and their address."""
    return [
        (f"{prefix}-device", clients.device_subject(request)),
        (f"{prefix}-address", clients.client_address(request)),
    ]


@public
def report(request: HttpRequest) -> HttpResponse:
    """The public web form; a name and phone are optional (anonymous reports are taken)."""
    form = PublicReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            return render(request, "cases/report.html", {"form": PublicReportForm()})
        over = [limits.over(name, subject) for name, subject in _visitor(request, "report")]
        if any(over):
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
    return clients.remember_device(request, render(request, "cases/report.html", {"form": form}))


@public
def check(request: HttpRequest) -> HttpResponse:
    """Progress by case number and check code, no account needed."""
    form = CheckForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return clients.remember_device(request, render(request, "cases/check.html", {"form": form}))
    number = form.cleaned_data["number"].strip()
    case = Case.objects.select_related("unit").filter(number=number).first()
    # A case is guarded whoever guesses; a visitor is stopped whatever case they guess.
    subjects = _visitor(request, "check")
    if case is not None:
        subjects.append(("check-case", str(case.pk)))
    if any(limits.reached(name, subject) for name, subject in subjects):
        form.add_error(None, "查询次数过多,请 15 分钟后再试。如忘记查询码,请拨打热线电话查询。")
        return render(request, "cases/check.html", {"form": form}, status=429)
    if case is None or not actions.check_code_matches(case, form.cleaned_data["code"]):
        for name, subject in subjects:
            limits.count(name, subject)
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
