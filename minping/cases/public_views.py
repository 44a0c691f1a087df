"""Pages for the public, without signing in: report a problem, check its progress (R-32).

The progress page needs the case number and the check code given at
registration; wrong guesses are limited per case (whoever guesses), per device
and, up to a ceiling high enough for a hall behind one NAT, per address
(``surveys.limits``: cache only, subjects hashed), so the million six-digit
codes cannot be tried and one visitor cannot close the page to everyone else.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache
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


# How long a resent report form still gets its first receipt back.
RECEIPT_SECONDS = 24 * 3600
# Held under a form's key while its case is being registered.
REGISTERING = "registering"


def _receipt_key(retry_key: str) -> str:
    # The key is the form's secret: only its digest is kept.
    return "case-receipt:" + hashlib.sha256(b"receipt\x1f" + retry_key.encode()).hexdigest()


def _pad(retry_key: str) -> int:
    """A one-time pad for the six-digit check code, known only to the form's holder: the
    cache never holds a code that someone reading it could use (the database keeps only
    its hash)."""
    digest = hashlib.sha256(b"check-code\x1f" + retry_key.encode()).digest()
    return int.from_bytes(digest, "big") % 10**6


def _seal(receipt: dict[str, object], retry_key: str) -> dict[str, object]:
    code = int(str(receipt["check_code"]))
    return {**receipt, "check_code": (code + _pad(retry_key)) % 10**6}


def _open(sealed: dict[str, object], retry_key: str) -> dict[str, object]:
    code = (int(str(sealed["check_code"])) - _pad(retry_key)) % 10**6
    return {**sealed, "check_code": f"{code:06d}"}


def _fresh_form() -> PublicReportForm:
    return PublicReportForm(initial={"retry_key": secrets.token_urlsafe(18)})


@public
def report(request: HttpRequest) -> HttpResponse:
    """The public web form; a name and phone are optional (anonymous reports are taken).

    Each form carries a key of its own, so that sending it again (the answer was lost on
    the way back) shows the first receipt rather than registering the problem twice.
    """
    if request.method != "POST":
        page = render(request, "cases/report.html", {"form": _fresh_form()})
        return clients.remember_device(request, page)
    form = PublicReportForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["website"]:
            return render(request, "cases/report.html", {"form": _fresh_form()})
        retry_key = form.cleaned_data["retry_key"] or secrets.token_urlsafe(18)
        receipt_key = _receipt_key(retry_key)
        if not cache.add(receipt_key, REGISTERING, RECEIPT_SECONDS):
            return _resent(request, cache.get(receipt_key), retry_key)
        over = [limits.over(name, subject) for name, subject in _visitor(request, "report")]
        if any(over):
            cache.delete(receipt_key)
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
            cache.delete(receipt_key)
            form.add_error(None, refused.message)
        except BaseException:
            cache.delete(receipt_key)
            raise
        else:
            receipt = {
                "number": case.number,
                "check_code": case.check_code,
                "deadline_workdays": case.deadline_workdays,
            }
            cache.set(receipt_key, _seal(receipt, retry_key), RECEIPT_SECONDS)
            return render(request, "cases/report_done.html", {"receipt": receipt})
    return clients.remember_device(request, render(request, "cases/report.html", {"form": form}))


def _resent(request: HttpRequest, sealed: object, retry_key: str) -> HttpResponse:
    """The same form sent again: its receipt, or word that the first sending is still
    being registered (two taps in quick succession)."""
    if isinstance(sealed, dict):
        receipt = _open(sealed, retry_key)
        return render(request, "cases/report_done.html", {"receipt": receipt})
    return render(request, "cases/report_pending.html", status=409)


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
