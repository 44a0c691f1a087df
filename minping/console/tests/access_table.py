"""Who may open each console, portal, oversight and audit page (see orgs/tests/matrix.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone

from minping.campaigns.models import DeductionRule, VetoRule
from minping.orgs.models import Membership, Role
from minping.orgs.tests.matrix import EVERYONE, ORGANISER, STAFF, Expect, World
from minping.oversight.models import (
    ContactCard,
    Deduction,
    Ineligibility,
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
    spare = User.objects.create_user("spare")
    spare_role = Membership.objects.create(user=spare, role=Role.LEADER)
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
        spare=spare,
        spare_role=spare_role,
    )
    build_imports(world)


def code(w: World) -> dict[str, Any]:
    return {"code": w.campaign.code}


def extra(name: str, key: str = "pk") -> Any:
    return lambda w: {key: w.extra[name].pk}


EXPECT = [
    Expect("console:home", allow=WITH_A_ROLE),
    Expect("console:campaigns", allow=STAFF),
    Expect("console:campaign-new", allow=ORGANISER),
    Expect("console:campaign", allow=STAFF, kwargs=code),
    Expect("console:campaign-edit", allow=ORGANISER, kwargs=code),
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
    Expect("console:results", allow=STAFF, kwargs=code),
    Expect("console:compute", allow=ORGANISER, kwargs=code, method="post"),
    Expect(
        "console:publish",
        allow=ORGANISER,
        kwargs=lambda w: {"code": w.campaign.code, "pk": w.extra["snapshot"].pk},
        method="post",
    ),
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
