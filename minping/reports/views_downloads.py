"""The ranking as Excel, PDF or CSV, and every answer for analysts, from the results pages.

Who gets which results is decided once, in :func:`download_scope`:

- organisers and leaders: any computation of any campaign (``?snapshot=``), all units;
- the approver of a campaign whose results their body approves (R-23): the same, for it;
- anyone, signed in or not, where the campaign publishes its results (R-37) and has
  published them: the latest published results, all units;
- a liaison: the results released to units (``ResultSnapshot.released``), only the
  units in their scope (their unit and its parts); none released, or none of theirs: 404.

Every other visitor is refused as on the results page itself. The answers
(``answers_file``) are for the organiser's and the leaders' analysts only:
see docs/reports.md for why they cannot be linked back to a ballot.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from minping.audit.log import record
from minping.campaigns.models import Campaign
from minping.lib.sheets import XLSX_TYPE
from minping.orgs.access import has_role, public, require, source_codes, visible_units
from minping.orgs.models import Role
from minping.reports.answers import answer_csv_chunks, answer_xlsx_file
from minping.reports.ranking import ranking
from minping.reports.ranking_files import ranking_pdf, ranking_xlsx
from minping.reports.views import may_see_everything
from minping.scoring.export import snapshot_csv
from minping.scoring.models import ResultSnapshot

RANKING_TYPES = {
    "xlsx": XLSX_TYPE,
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


def approves(request: HttpRequest, campaign: Campaign) -> bool:
    return campaign.needs_approval and campaign.approval_code in source_codes(
        request.user, Role.APPROVER
    )


def download_scope(
    request: HttpRequest, campaign: Campaign
) -> tuple[ResultSnapshot | None, set[str] | None]:
    """The snapshot this visitor may download and the units they may see in it (None: all).

    (None, None) means not at all.
    """
    if may_see_everything(request) or approves(request, campaign):
        snapshots = campaign.snapshots.order_by("-computed_at", "-pk")
        asked = request.GET.get("snapshot", "")
        if asked.isdigit():
            return snapshots.filter(pk=int(asked)).first(), None
        return snapshots.first(), None
    if campaign.publish and campaign.is_published:
        latest = campaign.snapshots.filter(published=True).order_by("-computed_at", "-pk")
        return latest.first(), None
    if has_role(request.user, Role.LIAISON):
        snapshot = ResultSnapshot.released(campaign)
        if snapshot is not None:
            mine = set(visible_units(request.user).values_list("code", flat=True))
            ranked = {u["unit"] for u in snapshot.results.get("units", [])}
            if mine & ranked:
                return snapshot, mine & ranked
    return None, None


def _attachment(response: HttpResponseBase, name: str) -> HttpResponseBase:
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public
@require_GET
def results_file(request: HttpRequest, code: str, fmt: str) -> HttpResponseBase:
    campaign = get_object_or_404(Campaign, code=code)
    if fmt not in RANKING_TYPES:
        raise Http404("没有这种格式")
    snapshot, units = download_scope(request, campaign)
    if snapshot is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("没有可以下载的结果")
    day = timezone.localtime(snapshot.computed_at).strftime("%Y%m%d")
    name = f"{campaign.title}评议结果({day}计算).{fmt}"
    if fmt == "csv":
        data: bytes = snapshot_csv(snapshot.results, units).encode("utf-8")
    else:
        table = ranking(campaign, snapshot, units)
        data = ranking_xlsx(table) if fmt == "xlsx" else ranking_pdf(table)
    return _attachment(HttpResponse(data, content_type=RANKING_TYPES[fmt]), name)


@require(Role.ORGANISER, Role.LEADER)
@require_GET
def answers_file(request: HttpRequest, code: str, fmt: str) -> HttpResponseBase:
    campaign = get_object_or_404(Campaign, code=code)
    if fmt not in ("csv", "xlsx"):
        raise Http404("没有这种格式")
    # Who took every answer out, as for the sample library's exports.
    with transaction.atomic():
        record(
            "answers.export",
            actor=request.user,
            obj=campaign,
            campaign_code=campaign.code,
            detail={"format": fmt},
        )
    name = f"{campaign.title}全部答案.{fmt}"
    if fmt == "csv":
        stream = StreamingHttpResponse(
            answer_csv_chunks(campaign), content_type="text/csv; charset=utf-8"
        )
    else:
        stream = StreamingHttpResponse(answer_xlsx_file(campaign), content_type=XLSX_TYPE)
    return _attachment(stream, name)
