"""Who may open each console, portal, oversight and audit page (see orgs/tests/matrix.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone

from minping.campaigns.models import DeductionRule, Method, ScoreSheet, SheetLine, VetoRule
from minping.lib.models import CalendarDay, CalendarYear
from minping.orgs.models import Membership, Role
from minping.orgs.tests.matrix import EVERYONE, ORGANISER, SIGNED_IN, STAFF, Expect, World
from minping.oversight.models import (
    Consequence,
    ContactCard,
    Deduction,
    Ineligibility,
    PersonAward,
    Submission,
    SubmissionKind,
    SubmissionRequirement,
    Veto,
    Visit,
    VisitPhoto,
)
from minping.scoring.models import ResultSnapshot

SOURCES = frozenset({"source_member", "source_head"})
LIAISONS = frozenset({"liaison", "other_liaison"})
WITH_A_ROLE = EVERYONE - {"anonymous", "signed_in"}
INSPECTION = frozenset({"inspector", "organiser"})
GAJ_PORTAL = STAFF | {"liaison"}
APPROVER = frozenset({"approver"})


def build(world: World) -> None:
    campaign = world.campaign
    day = datetime.date(2026, 5, 1)
    contact = SubmissionRequirement.objects.create(
        campaign=campaign, kind=SubmissionKind.CONTACT, title="联络人", due=day
    )
    report = SubmissionRequirement.objects.create(
        campaign=campaign, kind=SubmissionKind.SELF_INSPECTION, title="自查报告", due=day
    )
    submission = Submission(requirement=report, unit=world.gaj, submitted_at=timezone.now())
    submission.file.save("report.txt", ContentFile(b"self-inspection"), save=True)
    rule = DeductionRule.objects.get(campaign=campaign, code="no_interview")
    deduction = Deduction(campaign=campaign, unit=world.gaj, rule=rule, date=day, count=1)
    deduction.attachment.save("evidence.txt", ContentFile(b"evidence"), save=True)
    veto = Veto(
        campaign=campaign,
        unit=world.gaj,
        rule=VetoRule.objects.get(campaign=campaign, code="case_filed"),
        date=day,
        source_code="media",
    )
    veto.attachment.save("veto.txt", ContentFile(b"veto"), save=True)
    visit = Visit.objects.create(
        campaign=campaign,
        inspector=world.users["inspector"],
        unit=world.gaj,
        date=day,
        kind="covert",
        findings="窗口人员离岗",
    )
    photo = VisitPhoto(visit=visit)
    photo.file.save("photo.png", ContentFile(b"\x89PNG"), save=True)
    card = ContactCard.objects.create(
        inspector=world.users["inspector"], unit=world.gaj, contact_name="张三"
    )
    snapshot = ResultSnapshot.objects.create(campaign=campaign, results={"units": []})
    ineligible = Ineligibility.objects.create(campaign=campaign, unit=world.gaj, reason="拉票")
    consequence = Consequence.objects.create(
        campaign=campaign, unit=world.gaj, kind="talk", date=day, summary="约谈主要负责人"
    )
    person_award = PersonAward.objects.create(
        campaign=campaign, unit=world.gaj, person="李四", award="优秀服务窗口负责人"
    )
    spare = User.objects.create_user("spare")
    spare_role = Membership.objects.create(user=spare, role=Role.LEADER)
    # The rater (of the water company) scores the police bureau and its window.
    leaders = Method.objects.get(campaign=campaign, code="leaders")
    sheet = ScoreSheet.objects.create(campaign=campaign, method=leaders, rater=world.users["rater"])
    line = SheetLine.objects.create(sheet=sheet, unit=world.gaj)
    SheetLine.objects.create(sheet=sheet, unit=world.gaj_window)
    # Another rater's sheet, which the matrix's rater must not open.
    other = User.objects.create_user("other-rater")
    Membership.objects.create(user=other, role=Role.RATER)
    other_sheet = ScoreSheet.objects.create(campaign=campaign, method=leaders, rater=other)
    SheetLine.objects.create(sheet=other_sheet, unit=world.water)
    holiday = CalendarDay.objects.create(date=datetime.date(2031, 1, 1), is_workday=False)
    CalendarDay.objects.create(date=datetime.date(2031, 1, 2), is_workday=False)
    CalendarYear.objects.create(year=2032)
    world.extra.update(
        contact=contact,
        submission=submission,
        deduction=deduction,
        veto=veto,
        visit=visit,
        photo=photo,
        card=card,
        snapshot=snapshot,
        ineligible=ineligible,
        consequence=consequence,
        person_award=person_award,
        spare=spare,
        spare_role=spare_role,
        sheet=sheet,
        line=line,
        other_sheet=other_sheet,
        holiday=holiday,
    )
    build_imports(world)


def code(w: World) -> dict[str, Any]:
    return {"code": w.campaign.code}


def extra(name: str, key: str = "pk") -> Any:
    return lambda w: {key: w.extra[name].pk}


def on_method(name: str = "") -> Any:
    """The campaign and its score method, and the pk of an object built above."""

    def kwargs(w: World) -> dict[str, Any]:
        found = {"code": w.campaign.code, "method": "leaders"}
        return {**found, "pk": w.extra[name].pk} if name else found

    return kwargs


def snapshot(w: World) -> dict[str, Any]:
    return {"code": w.campaign.code, "pk": w.extra["snapshot"].pk}


EXPECT = [
    Expect("console:home", allow=WITH_A_ROLE),
    # Where sign-in leads: every signed-in user is sent on (a user with no role to the
    # public pages), the anonymous to sign in.
    Expect("console:landing", allow=SIGNED_IN),
    Expect("console:campaigns", allow=STAFF),
    Expect("console:campaign-new", allow=ORGANISER),
    Expect("console:campaign", allow=STAFF, kwargs=code),
    Expect("console:campaign-edit", allow=ORGANISER, kwargs=code),
    Expect("console:campaign-form-new", allow=ORGANISER),
    Expect("console:campaign-form-edit", allow=ORGANISER, kwargs=code),
    Expect("console:definition-download", allow=ORGANISER, kwargs=code),
    Expect(
        "console:requirement-new",
        allow=ORGANISER,
        kwargs=code,
        method="post",
        data=lambda w: {"kind": "summary", "title": "总结报告", "due": "2026-12-10"},
    ),
    Expect(
        "console:requirement-edit",
        allow=ORGANISER,
        kwargs=lambda w: {"code": w.campaign.code, "pk": w.extra["contact"].pk},
        method="post",
        data=lambda w: {"kind": "contact", "title": "联络人", "due": "2026-06-22"},
    ),
    Expect("console:monitor", allow=STAFF, kwargs=code),
    Expect("console:eligibility", allow=STAFF, kwargs=code),
    Expect(
        "console:eligibility-restore",
        allow=ORGANISER,
        kwargs=lambda w: {"code": w.campaign.code, "pk": w.extra["ineligible"].pk},
        method="post",
        data=lambda w: {"reason": "核实有误"},
    ),
    Expect("console:records", allow=STAFF, kwargs=code),
    Expect(
        "console:records",
        allow=STAFF,
        kwargs=code,
        method="post",
        data=lambda w: {
            "record": "award",
            "a-unit": w.gaj.pk,
            "a-person": "王五",
            "a-award": "先进个人",
        },
    ),
    Expect(
        "console:consequence-delete",
        allow=ORGANISER,
        kwargs=lambda w: {"code": w.campaign.code, "pk": w.extra["consequence"].pk},
        method="post",
        data=lambda w: {"reason": "登记错了"},
    ),
    Expect(
        "console:person-award-delete",
        allow=ORGANISER,
        kwargs=lambda w: {"code": w.campaign.code, "pk": w.extra["person_award"].pk},
        method="post",
        data=lambda w: {"reason": "登记错了"},
    ),
    # An approver opens the results of the campaigns their body approves.
    Expect("console:results", allow=STAFF | APPROVER, kwargs=code),
    Expect("console:compute", allow=ORGANISER, kwargs=code, method="post"),
    Expect("console:publish", allow=ORGANISER, kwargs=snapshot, method="post"),
    # Publishing is confirmed on its own page, which shows what changes: the organiser's.
    Expect("console:publish-confirm", allow=ORGANISER, kwargs=snapshot),
    Expect("console:results-submit", allow=ORGANISER, kwargs=snapshot, method="post"),
    Expect("console:results-approve", allow=APPROVER, kwargs=snapshot, method="post"),
    Expect(
        "console:results-return",
        allow=APPROVER,
        kwargs=snapshot,
        method="post",
        data=lambda w: {"reason": "请核实减分"},
    ),
    Expect("console:results-release", allow=ORGANISER, kwargs=snapshot, method="post"),
    Expect("console:units", allow=STAFF),
    Expect("console:users", allow=ORGANISER),
    Expect("console:user", allow=ORGANISER, kwargs=extra("spare")),
    Expect(
        "console:role-revoke",
        allow=ORGANISER,
        kwargs=lambda w: {"pk": w.extra["spare"].pk, "membership": w.extra["spare_role"].pk},
        method="post",
    ),
    Expect("console:password-reset", allow=ORGANISER, kwargs=extra("spare"), method="post"),
    Expect("console:totp-remove", allow=ORGANISER, kwargs=extra("spare"), method="post"),
    Expect("console:totp", allow=ORGANISER),
    Expect("console:password-change", allow=WITH_A_ROLE),
    Expect("console:audit", allow=STAFF),
    Expect("console:calendar", allow=STAFF),
    Expect(
        "console:calendar-day",
        allow=ORGANISER,
        method="post",
        data=lambda w: {"date": "2031-05-06", "kind": "off", "note": "地方假日"},
    ),
    Expect("console:calendar-day-remove", allow=ORGANISER, kwargs=extra("holiday"), method="post"),
    Expect(
        "console:calendar-import",
        allow=ORGANISER,
        method="post",
        data=lambda w: {"text": "2031-10-01 休 国庆节"},
    ),
    Expect(
        "console:calendar-year",
        allow=ORGANISER,
        kwargs=lambda w: {"year": 2031},
        method="post",
        data=lambda w: {"step": "confirm"},
    ),
    Expect("console:sheets", allow=STAFF, kwargs=code),
    Expect("console:sheet-method", allow=STAFF, kwargs=on_method()),
    Expect(
        "console:sheet-assign",
        allow=ORGANISER,
        kwargs=on_method(),
        method="post",
        data=lambda w: {"rater": w.users["rater"].pk, "units": [w.gaj.pk]},
    ),
    Expect(
        "console:sheet-peers",
        allow=ORGANISER,
        kwargs=on_method(),
        method="post",
        data=lambda w: {"units": [w.gaj.pk, w.water.pk]},
    ),
    Expect("console:sheet-review", allow=STAFF, kwargs=on_method("sheet")),
    Expect(
        "console:sheet-reopen",
        allow=ORGANISER,
        kwargs=on_method("sheet"),
        method="post",
        data=lambda w: {"reason": "漏评"},
    ),
    Expect(
        "console:sheet-correct",
        allow=ORGANISER,
        kwargs=on_method("line"),
        method="post",
        data=lambda w: {"score": "90", "reason": "笔误"},
    ),
    # After the correction: taking the unit off deletes the line.
    Expect("console:sheet-unassign", allow=ORGANISER, kwargs=on_method("line"), method="post"),
    Expect("console:my-sheets", allow=frozenset({"rater"})),
    Expect("console:my-sheet", allow=frozenset({"rater"}), kwargs=extra("sheet")),
    # A rater never opens another rater's sheet (404: not even said to exist).
    Expect("console:my-sheet", allow=frozenset(), kwargs=extra("other_sheet")),
    Expect("console:portal", allow=LIAISONS),
    # The water liaison is refused the police bureau's pages (404: not even said to exist).
    Expect("console:portal-unit", allow=GAJ_PORTAL, kwargs=lambda w: {"unit": "gaj"}),
    Expect(
        "console:portal-results",
        allow=GAJ_PORTAL,
        kwargs=lambda w: {"unit": "gaj", "code": w.campaign.code},
    ),
    Expect(
        "console:portal-submit",
        allow=frozenset({"liaison"}),
        kwargs=lambda w: {"unit": "gaj", "pk": w.extra["contact"].pk},
        method="post",
        data=lambda w: {"text": "李四 科长 0951-1234567"},
    ),
    Expect("console:submission-file", allow=GAJ_PORTAL, kwargs=extra("submission")),
    Expect("console:oversight:deductions", allow=STAFF | SOURCES),
    Expect("console:oversight:deduction-new", allow=ORGANISER | SOURCES),
    Expect(
        "console:oversight:deduction-step",
        allow=frozenset({"organiser", "source_head"}),
        kwargs=lambda w: {"pk": w.extra["deduction"].pk, "step": "sign"},
        method="post",
    ),
    Expect("console:oversight:deduction-file", allow=STAFF | SOURCES, kwargs=extra("deduction")),
    Expect("console:oversight:veto-new", allow=ORGANISER | SOURCES),
    Expect(
        "console:oversight:veto-step",
        allow=frozenset({"organiser", "source_head"}),
        kwargs=lambda w: {"pk": w.extra["veto"].pk, "step": "sign"},
        method="post",
    ),
    Expect("console:oversight:veto-file", allow=STAFF | SOURCES, kwargs=extra("veto")),
    Expect("console:oversight:review", allow=STAFF),
    Expect("console:oversight:inspections", allow=INSPECTION),
    Expect("console:oversight:plan-new", allow=frozenset({"inspector"})),
    Expect("console:oversight:visit-new", allow=frozenset({"inspector"})),
    Expect("console:oversight:visit", allow=INSPECTION, kwargs=extra("visit")),
    Expect("console:visit-case", allow=INSPECTION, kwargs=extra("visit"), method="post"),
    Expect("console:oversight:photo", allow=INSPECTION, kwargs=extra("photo")),
    Expect("console:oversight:card-new", allow=INSPECTION),
    Expect("console:oversight:card", allow=INSPECTION, kwargs=extra("card")),
]


# -- imports in the browser (console/views/imports.py) -------------------------------------


def build_imports(world: World) -> None:
    """A checked job, waiting for confirmation, and one cut off with its file kept."""
    from minping.campaigns.models import ImportJob

    ready = ImportJob.objects.create(
        kind="scores",
        campaign=world.campaign,
        filename="scores.csv",
        folder="matrix-ready",
        state=ImportJob.State.READY,
        created_by=world.users["organiser"],
    )
    failed = ImportJob.objects.create(
        kind="units",
        filename="units.csv",
        folder="matrix-failed",
        state=ImportJob.State.FAILED,
        problems=[[2, "代码", "单位代码不能为空"]],
        problems_total=1,
    )
    world.extra.update(import_ready=ready, import_failed=failed)


def _job(name: str) -> Any:
    return lambda w: {"pk": w.extra[name].pk}


EXPECT += [
    Expect("console:imports", allow=STAFF),
    # Refused roles never reach the form; the organiser's empty post is answered with the form.
    Expect("console:import-new", allow=ORGANISER, method="post"),
    Expect("console:import", allow=STAFF, kwargs=_job("import_ready")),
    Expect("console:import-progress", allow=STAFF, kwargs=_job("import_ready")),
    Expect("console:import-confirm", allow=ORGANISER, kwargs=_job("import_failed"), method="post"),
    Expect("console:import-cancel", allow=ORGANISER, kwargs=_job("import_failed"), method="post"),
    Expect("console:import-restart", allow=ORGANISER, kwargs=_job("import_failed"), method="post"),
    Expect(
        "console:import-problems",
        allow=STAFF,
        kwargs=lambda w: {"pk": w.extra["import_failed"].pk, "fmt": "csv"},
    ),
    Expect(
        "console:import-template",
        allow=STAFF,
        kwargs=lambda w: {"kind": "ballots", "fmt": "xlsx"},
        query="campaign=matrix-2026",
    ),
]
