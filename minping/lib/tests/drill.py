"""Data for the restore drill, run inside a real installation by ``minping shell -c``.

Goes through the commands and actions a real office uses, so the audit chain, the uploads
and many tables are filled the ordinary way.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from minping.campaigns.models import Campaign, DeductionRule
from minping.orgs.models import Membership, Role, Unit
from minping.oversight.actions import do_propose_deduction

EXAMPLE = settings.BASE_DIR / "examples" / "xzfw-2014"


def small_pdf() -> bytes:
    """A valid one-page PDF, built here so its cross-reference offsets are right."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def populate() -> None:
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("import", "units", str(EXAMPLE / "units.csv"), **quiet)
    call_command("load", str(EXAMPLE / "campaign.toml"), **quiet)
    for kind in ("ballots", "scores", "deductions", "vetoes"):
        call_command("import", kind, "xzfw-2014", str(EXAMPLE / f"{kind}.csv"), **quiet)
    call_command("results", "xzfw-2014", "--save", **quiet)

    organiser = User.objects.create_user("zuzhi", password="drill-password-2026")
    Membership.objects.create(user=organiser, role=Role.ORGANISER)
    campaign = Campaign.objects.get(code="xzfw-2014")
    rule = DeductionRule.objects.filter(campaign=campaign).order_by("code").first()
    assert rule is not None
    do_propose_deduction(
        campaign=campaign,
        unit=Unit.objects.get(code="xz-wgxj"),
        rule=rule,
        date=datetime.date(2014, 10, 20),
        evidence="督查通报(演练)",
        points=Decimal("1"),  # the rule's points are set case by case (max_points)
        actor=organiser,
        attachment=SimpleUploadedFile("督查通报.pdf", small_pdf(), "application/pdf"),
    )
