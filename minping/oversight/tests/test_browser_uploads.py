"""The probe's three uploads in a real browser (issue 10, item 1).

A liaison's HTML 自查报告 through the portal, an SVG deduction attachment and an
inspection "photo" that is a web page sent as image/png: each is refused on
upload; and the same files, as a database from before uploads were checked
may hold them, run nothing when the organiser opens them: the title stays,
no role is granted, no audit entry is written.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from minping.audit.models import AuditEntry
from minping.campaigns.models import DeductionRule
from minping.lib.tests import upload_fixtures as files
from minping.lib.tests.import_fixtures import make_campaign
from minping.lib.tests.test_browser_csp import wait_until
from minping.orgs.models import Group, Membership, Role, Unit
from minping.oversight.actions import do_record_visit
from minping.oversight.models import (
    Deduction,
    Submission,
    SubmissionKind,
    SubmissionRequirement,
    Visit,
    VisitPhoto,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(tmp_path: Path) -> Any:
    """A campaign, the people of the probe, and uploads in a folder of the test's own."""
    with override_settings(MEDIA_ROOT=str(tmp_path / "uploads")):
        agencies = Group.objects.create(code="agencies", name="机关单位")
        gaj = Unit.objects.create(code="gaj", name="公安局", group=agencies)
        campaign = make_campaign("yc-2026", year=2026, groups=["agencies"])
        requirement = SubmissionRequirement.objects.create(
            campaign=campaign,
            kind=SubmissionKind.SELF_INSPECTION,
            title="自查报告",
            due=datetime.date(2099, 6, 30),
        )
        people: dict[str, dict[str, Any]] = {
            "zuzhi": {"role": Role.ORGANISER},
            "lianluo": {"role": Role.LIAISON, "unit": gaj},
            "jizhe": {"role": Role.SOURCE_MEMBER, "source_code": "media"},
            "ducha": {"role": Role.INSPECTOR},
        }
        users = {}
        for name, membership in people.items():
            users[name] = User.objects.create_user(name, password=f"pw-{name}-2026")
            Membership.objects.create(user=users[name], **membership)
        yield {"gaj": gaj, "campaign": campaign, "requirement": requirement, "users": users}


def sign_in(page: Any, base: str, username: str, then: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/?next={then}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".who")).to_have_text(username)


def test_the_probes_three_uploads_are_refused(desktop: Any, live_server: Any, office: Any) -> None:
    page, base = desktop, live_server.url
    liaison = office["users"]["lianluo"]
    script = files.hostile_script(liaison.pk)
    allowed = "只能上传 PDF、Word(.docx)、Excel(.xlsx)或图片(JPG、PNG、WebP)文件"

    # 1. The liaison hands in an HTML "自查报告" through the portal.
    sign_in(page, base, "lianluo", "/console/portal/gaj/")
    page.get_by_label("选择文件:自查报告").set_input_files(
        {"name": "自查报告.html", "mimeType": "text/html", "buffer": files.html_report(script)}
    )
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_text("“自查报告.html”的内容不是可接受的格式")).to_be_visible()
    expect(page.get_by_text(allowed).first).to_be_visible()

    # 2. A reporter proposes a deduction with an SVG attachment.
    sign_in(page, base, "jizhe", "/console/oversight/deductions/new/?campaign=yc-2026")
    page.get_by_label("减分事项").select_option(index=1)
    page.get_by_label("被减分单位").select_option(label="公安局")
    page.get_by_label("事件日期").fill("2026-03-02")
    page.get_by_label("依据").fill("拒绝接受采访")
    page.get_by_label("附件").set_input_files(
        {"name": "依据.svg", "mimeType": "image/svg+xml", "buffer": files.svg(script)}
    )
    page.get_by_role("button", name="提出").click()
    expect(page.get_by_text("“依据.svg”的内容不是可接受的格式")).to_be_visible()

    # 3. An inspector records a visit whose "photo" is a web page sent as image/png.
    sign_in(page, base, "ducha", "/console/oversight/inspections/visits/new/?campaign=yc-2026")
    page.get_by_label("走访单位").select_option(label="公安局")
    page.get_by_label("走访日期").fill("2026-03-05")
    page.get_by_label(re.compile("^发现的问题")).fill("窗口无人")
    page.get_by_label(re.compile("^照片")).set_input_files(
        {"name": "现场.html", "mimeType": "image/png", "buffer": files.html_report(script)}
    )
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("“现场.html”的内容不是可接受的格式")).to_be_visible()
    expect(page.get_by_text("只能上传图片(JPG、PNG、WebP)文件")).to_be_visible()

    assert not Submission.objects.exists()
    assert not Deduction.objects.exists()
    assert not Visit.objects.exists()
    assert [p for p in Path(office_media()).rglob("*") if p.is_file()] == []


def office_media() -> str:
    from django.conf import settings

    return str(settings.MEDIA_ROOT)


def test_hostile_files_stored_earlier_run_nothing_when_the_organiser_opens_them(
    desktop: Any, live_server: Any, office: Any
) -> None:
    page, base = desktop, live_server.url
    users, gaj, campaign = office["users"], office["gaj"], office["campaign"]
    liaison = users["lianluo"]
    # The probe's three files as a database from before the upload check may hold them.
    submission = Submission.objects.create(
        requirement=office["requirement"],
        unit=gaj,
        submitted_at=timezone.now(),
        submitted_by=liaison,
        file=ContentFile(
            files.html_report(files.hostile_script(liaison.pk, "report")), name="自查报告.html"
        ),
    )
    deduction = Deduction.objects.create(
        campaign=campaign,
        unit=gaj,
        rule=DeductionRule.objects.get(campaign=campaign, code="no_interview"),
        date=datetime.date(2026, 3, 2),
        attachment=ContentFile(files.svg(files.hostile_script(liaison.pk, "svg")), name="依据.svg"),
    )
    visit = do_record_visit(
        campaign=campaign,
        unit=gaj,
        date=datetime.date(2026, 3, 5),
        kind="covert",
        findings="窗口无人",
        photos=[ContentFile(files.image("JPEG", (40, 30)), name="真照片.jpg")],
        actor=users["ducha"],
    )
    # On a visit of its own: SQLite in memory serves one request at a time, and two images on
    # one page would race for the session table.
    hostile_photo = VisitPhoto.objects.create(
        visit=Visit.objects.create(
            campaign=campaign,
            inspector=users["ducha"],
            unit=gaj,
            date=datetime.date(2026, 3, 6),
            kind="covert",
            findings="同上",
        ),
        file=ContentFile(
            files.html_report(files.hostile_script(liaison.pk, "photo")), name="现场.html"
        ),
    )
    audit_before = AuditEntry.objects.count()
    posts: list[str] = []
    page.context.on(
        "request", lambda r: posts.append(r.url) if r.method == "POST" or "__" in r.url else None
    )

    sign_in(page, base, "zuzhi", "/console/")
    posts.clear()
    for url in (
        f"/console/files/submissions/{submission.pk}/",
        f"/console/oversight/deductions/{deduction.pk}/attachment/",
        f"/console/oversight/inspections/photos/{hostile_photo.pk}/",
    ):
        page.goto(f"{base}/console/")
        try:
            page.goto(f"{base}{url}")  # a download: the browser stays on the console page
        except PlaywrightError as error:
            assert "Download is starting" in str(error) or "ERR_ABORTED" in str(error)
        page.wait_for_timeout(800)  # time for a script to run, if one could
        assert page.title() != "PWNED", url
        response = page.request.get(f"{base}{url}")
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["content-security-policy"].startswith("sandbox;")

    # A real photo, re-encoded on upload, still shows: in the visit's page and on its own.
    page.goto(f"{base}/console/oversight/inspections/visits/{visit.pk}/")
    wait_until(page, "document.images.length == 1 && document.images[0].complete")
    assert page.get_by_alt_text("走访照片 1").evaluate("img => img.naturalWidth") == 40
    page.goto(f"{base}/console/oversight/inspections/photos/{visit.photos.get().pk}/")
    assert page.evaluate("document.images[0].naturalWidth") == 40  # inline under the sandbox

    assert posts == []
    assert page.title() != "PWNED"
    assert list(liaison.memberships.values_list("role", flat=True)) == [Role.LIAISON]
    assert AuditEntry.objects.count() == audit_before
