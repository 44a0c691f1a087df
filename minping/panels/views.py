"""The sample library pages (/console/panels/): pools, draws, letters, response per stratum.

Organiser only: a pool is personal information (个人信息保护法). Phone numbers
are shown masked; every page that lists people and every export writes an
audit entry (``actions.record_access``).
"""

from __future__ import annotations

import base64
import datetime
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minping.campaigns.models import Campaign, Method
from minping.lib.errors import InputProblem, InvalidInput
from minping.lib.sheets import XLSX_TYPE, CsvWriter, one_sheet_workbook
from minping.orgs.access import require
from minping.orgs.models import Role, Unit
from minping.panels.access import get_campaign, get_draw, get_pool, get_submission
from minping.panels.actions import (
    DrawPlan,
    do_accept_service_list,
    do_create_pool,
    do_delete_pool,
    do_import_pool,
    do_issue_from_draw,
    do_keep_pool,
    do_make_draw,
    do_record_sms,
    do_redraw,
    draw_frame,
    record_access,
    service_lists,
)
from minping.panels.forms import (
    AcceptListForm,
    DeleteForm,
    DrawPlanForm,
    DrawStartForm,
    ImportForm,
    IssueForm,
    KeepForm,
    PoolForm,
    RedrawForm,
    issuing_defaults,
)
from minping.panels.frame import Frame
from minping.panels.letters import Letterhead, letters_pdf
from minping.panels.models import Draw, DrawMember, InvitationBatch, Pool, PoolImport, Respondent
from minping.panels.notify import send_invitations
from minping.panels.privacy import closes_on, delete_on, mask_phone
from minping.panels.responses import campaign_responses, draw_response
from minping.panels.sampling import frame_digest
from minping.panels.scope import campaign_categories, stratum_units
from minping.surveys.questionnaires import settings_for
from minping.surveys.views import public_url

ORGANISER = Role.ORGANISER
PEOPLE_PER_PAGE = 100
# A pool file bigger than this is for ``minping panels import`` on the server.
UPLOAD_MAX = 100 * 1024 * 1024
NO_UNIT = "未指定单位"
NO_CATEGORY = "未分类"


def _errors(error: InvalidInput) -> list[str]:
    return error.lines()


@contextmanager
def _saved(upload: UploadedFile) -> Iterator[Path]:
    """The upload as a file with its own extension (the table reader goes by it), then removed."""
    if upload.size is not None and upload.size > UPLOAD_MAX:
        raise InvalidInput(
            [InputProblem("文件超过 100 MB,请分成几个文件,或请管理员用命令行导入。")]
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput([InputProblem("只能导入 .csv 或 .xlsx 文件。")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path


# --- Campaigns and pools --------------------------------------------------------------------


@require(ORGANISER)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.annotate(
        pools_count=Count("pools", distinct=True), draws_count=Count("draws", distinct=True)
    )
    return render(request, "panels/index.html", {"campaigns": campaigns})


def _campaign_page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    problems: list[str] | None = None,
    pool_form: PoolForm | None = None,
    status: int = 200,
) -> HttpResponse:
    pools = list(Pool.objects.filter(campaign=campaign).select_related("retention"))
    sizes = dict(
        Respondent.objects.filter(pool__campaign=campaign)
        .values_list("pool")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for pool in pools:
        pool.people = sizes.get(pool.pk, 0)  # type: ignore[attr-defined]
        pool.delete_on = delete_on(pool)  # type: ignore[attr-defined]
    accepted: dict[int, datetime.datetime] = dict(
        PoolImport.objects.filter(pool__campaign=campaign, submission__isnull=False)
        .values_list("submission")
        .annotate(last=Max("created"))
        .order_by()
    )
    lists = [
        {
            "submission": s,
            "accepted": accepted.get(s.pk),
            "changed": s.pk in accepted and s.submitted_at > accepted[s.pk],
            "readable": (s.file.name or "").lower().endswith(".xlsx"),
        }
        for s in service_lists(campaign)
    ]
    context = {
        "campaign": campaign,
        "pools": pools,
        "lists": lists,
        "accept_form": AcceptListForm(campaign=campaign),
        "pool_form": pool_form or PoolForm(),
        "draws": Draw.objects.filter(campaign=campaign, in_force=True).select_related("method"),
        "closes_on": closes_on(campaign),
        "methods": campaign.methods.filter(input=Method.BALLOTS),
        "problems": problems,
    }
    return render(request, "panels/campaign.html", context, status=status)


@require(ORGANISER)
@require_GET
def campaign(request: HttpRequest, code: str) -> HttpResponse:
    return _campaign_page(request, get_campaign(code))


@require(ORGANISER)
@require_POST
def pool_new(request: HttpRequest, code: str) -> HttpResponse:
    found = get_campaign(code)
    form = PoolForm(request.POST, request.FILES)
    if not form.is_valid():
        return _campaign_page(request, found, pool_form=form, status=400)
    upload = form.cleaned_data.get("file")
    try:
        # One transaction: a file with errors leaves no empty pool behind.
        with transaction.atomic():
            made = do_create_pool(request.user, found, form.cleaned_data["title"])
            if upload is not None:
                with _saved(upload) as path:
                    done = do_import_pool(request.user, made, path, filename=upload.name or "")
                messages.success(request, _imported_text(done))
    except InvalidInput as error:
        return _campaign_page(request, found, problems=_errors(error), pool_form=form, status=400)
    messages.success(request, f"已建立样本库“{made.title}”。")
    return redirect("panels:pool", made.pk)


def _imported_text(done: PoolImport) -> str:
    text = f"已从 {done.filename} 读入 {done.rows:,} 行,新增 {done.added:,} 人"
    if done.merged:
        text += f";{done.merged:,} 行的手机号与样本库中已有的或文件中前面的相同,已合并为同一人"
    return text + "。"


def _unit_names(rows: list[Any]) -> dict[int, str]:
    ids = {row["unit"] for row in rows if row["unit"]}
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


def _pool_page(
    request: HttpRequest,
    pool: Pool,
    *,
    problems: list[str] | None = None,
    import_form: ImportForm | None = None,
    keep_form: KeepForm | None = None,
    delete_form: DeleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # Counts only (no person): who is in the pool, by unit and category.
    rows = list(
        Respondent.objects.filter(pool=pool)
        .values("unit", "category")
        .annotate(n=Count("pk"))
        .order_by("unit", "category")
    )
    names = _unit_names(rows)
    summary = [
        {
            "unit": names.get(row["unit"], NO_UNIT),
            "category": row["category"] or NO_CATEGORY,
            "n": row["n"],
        }
        for row in rows
    ]
    retention = getattr(pool, "retention", None)
    context = {
        "pool": pool,
        "campaign": pool.campaign,
        "summary": summary,
        "people": sum(row["n"] for row in rows),
        "imports": pool.imports.select_related("created_by").order_by("-id"),
        "retention": retention,
        "delete_on": delete_on(pool),
        "closes_on": closes_on(pool.campaign),
        "import_form": import_form or ImportForm(),
        "keep_form": keep_form
        or KeepForm(
            initial={"delete_on": retention.delete_on, "reason": retention.reason}
            if retention
            else {}
        ),
        "delete_form": delete_form or DeleteForm(),
        "problems": problems,
    }
    return render(request, "panels/pool.html", context, status=status)


@require(ORGANISER)
@require_GET
def pool(request: HttpRequest, pk: int) -> HttpResponse:
    return _pool_page(request, get_pool(pk))


@require(ORGANISER)
@require_POST
def pool_import(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_pool(pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _pool_page(request, found, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        with _saved(upload) as path:
            done = do_import_pool(request.user, found, path, filename=upload.name or "")
    except InvalidInput as error:
        return _pool_page(request, found, problems=_errors(error), import_form=form, status=400)
    messages.success(request, _imported_text(done))
    return redirect("panels:pool", found.pk)


@require(ORGANISER)
@require_GET
def people(request: HttpRequest, pk: int) -> HttpResponse:
    """The pool's people, a page at a time, phones masked; each page shown is audited."""
    found = get_pool(pk)
    units = stratum_units(found.campaign)
    chosen_unit = request.GET.get("unit", "").strip()
    chosen_category = request.GET.get("category", "").strip()
    rows = Respondent.objects.filter(pool=found).select_related("unit").order_by("pk")
    problems = []
    if chosen_unit:
        unit = next((u for u in units if chosen_unit in (u.name, u.code)), None)
        if unit is None:
            problems.append(f"“{chosen_unit}”不是本次活动的参评单位,下表未按单位筛选。")
        else:
            rows = rows.filter(unit=unit)
    if chosen_category:
        rows = rows.filter(category="" if chosen_category == NO_CATEGORY else chosen_category)
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    record_access(
        request.user,
        found,
        "panel.view",
        {
            "page": page.number,
            "shown": len(page.object_list),
            "unit": chosen_unit,
            "category": chosen_category,
        },
    )
    context = {
        "pool": found,
        "campaign": found.campaign,
        "page": page,
        "people": [_person(r) for r in page.object_list],
        "units": units,
        "categories": [*campaign_categories(found.campaign), NO_CATEGORY],
        "chosen_unit": chosen_unit,
        "chosen_category": chosen_category,
        "query": urlencode({"unit": chosen_unit, "category": chosen_category}) + "&",
        "problems": problems,
    }
    response = render(request, "panels/people.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _person(respondent: Respondent) -> dict[str, str]:
    return {
        "phone": mask_phone(respondent.phone),
        "name": respondent.name,
        "category": respondent.category or NO_CATEGORY,
        "unit": respondent.unit.name if respondent.unit else NO_UNIT,
        "district": respondent.district,
    }


EXPORT_HEADER = ["手机号", "姓名", "类别", "单位", "区县"]


class _Echo:
    def write(self, value: str) -> str:
        return value


@require(ORGANISER)
@require_POST
def pool_export(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The whole pool as CSV (UTF-8 with BOM, for Excel), full numbers; audited before it starts."""
    found = get_pool(pk)
    total = Respondent.objects.filter(pool=found).count()
    record_access(request.user, found, "panel.export", {"rows": total, "format": "csv"})
    units = dict(Unit.objects.values_list("pk", "name"))
    writer = CsvWriter(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(EXPORT_HEADER)
        values = (
            Respondent.objects.filter(pool=found)
            .order_by("pk")
            .values_list("phone", "name", "category", "unit", "district")
        )
        for phone, name, category, unit, district in values.iterator(chunk_size=5000):
            yield writer.writerow([phone, name, category, units.get(unit, ""), district])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pool-{found.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require(ORGANISER)
@require_POST
def pool_keep(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_pool(pk)
    form = KeepForm(request.POST)
    if not form.is_valid():
        return _pool_page(request, found, keep_form=form, status=400)
    try:
        do_keep_pool(
            request.user,
            found,
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["delete_on"],
        )
    except InvalidInput as error:
        return _pool_page(request, found, problems=_errors(error), keep_form=form, status=400)
    messages.success(request, f"已记录保留决定:到 {form.cleaned_data['delete_on']} 删除。")
    return redirect("panels:pool", found.pk)


@require(ORGANISER)
@require_POST
def pool_delete(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_pool(pk)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _pool_page(request, found, delete_form=form, status=400)
    count = do_delete_pool(request.user, found, why="组织单位删除")
    messages.success(request, f"已删除样本库“{found.title}”及其中 {count:,} 人的信息。")
    return redirect("panels:campaign", found.campaign.code)


@require(ORGANISER)
@require_POST
def accept_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a unit's service-object list (R-04) into a pool; audited."""
    submission = get_submission(pk)
    found = submission.requirement.campaign
    form = AcceptListForm(request.POST, campaign=found)
    if not form.is_valid():
        return _campaign_page(request, found, problems=["请选择样本库。"], status=400)
    try:
        done = do_accept_service_list(request.user, submission, form.cleaned_data["pool"])
    except InvalidInput as error:
        return _campaign_page(request, found, problems=_errors(error), status=400)
    messages.success(request, f"已接受{submission.unit.name}的服务对象名单:" + _imported_text(done))
    return redirect("panels:campaign", found.code)


@require(ORGANISER)
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    """A pool file to fill in: the headers the importer reads, and one made-up example row."""
    body = "\ufeff手机号,姓名,类别,单位,区县\r\n13800000000,张三,办事群众,公安局,兴庆区\r\n"
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pool-template.csv"'
    return response


# --- Draws ----------------------------------------------------------------------------------


def _frame_rows(frame: Frame, unit_names: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "unit": unit_names.get(key[0], NO_UNIT),
            "category": key[1] or NO_CATEGORY,
            "frame": len(frame.strata[key]),
            "key": key,
        }
        for position, key in enumerate(sorted(frame.strata))
    ]


@require(ORGANISER)
@require_http_methods(["GET", "POST"])
def draw_new(request: HttpRequest, code: str) -> HttpResponse:
    """Step one picks method, round and pool; step two shows the frame by stratum and the plan."""
    found = get_campaign(code)
    methods = list(found.methods.filter(input=Method.BALLOTS))
    pools = Pool.objects.filter(campaign=found)
    data = request.POST if request.method == "POST" else request.GET
    chosen = next((m for m in methods if m.code == data.get("method")), None)
    rounds = (
        settings_for(chosen).rounds
        if chosen
        else max([settings_for(m).rounds for m in methods] or [1])
    )
    start = DrawStartForm(
        data if "method" in data else None, methods=methods, rounds=rounds, pools=pools
    )
    context: dict[str, Any] = {
        "campaign": found,
        "start": start,
        "methods": methods,
        "has_pools": pools.exists(),
    }
    if not methods or not pools.exists() or not start.is_valid() or chosen is None:
        return render(request, "panels/draw_new.html", context, status=400 if start.errors else 200)
    pool_found: Pool = start.cleaned_data["pool"]
    round_no: int = start.cleaned_data["round"]
    units = stratum_units(found)
    frame = draw_frame(pool_found, chosen, {u.pk for u in units})
    rows = _frame_rows(frame, {u.pk: u.name for u in units})
    for row in rows:
        row["value"] = request.POST.get(f"size-{row['position']}", "")
    digest = frame_digest(frame.strata)
    plan_form = DrawPlanForm(request.POST if request.method == "POST" else None)
    existing = Draw.objects.filter(method=chosen, round=round_no, in_force=True).first()
    context.update(
        {
            "method": chosen,
            "pool": pool_found,
            "round": round_no,
            "rows": rows,
            "frame": frame,
            "digest": digest,
            "plan": plan_form,
            "existing": existing,
            "settings": settings_for(chosen),
        }
    )
    if request.method != "POST":
        return render(request, "panels/draw_new.html", context)
    problems: list[str] = []
    if request.POST.get("digest") != digest:
        problems.append("样本库在您查看之后有了变动,请核对下表的人数后再抽样。")
    sizes: dict[tuple[int, str], int] = {}
    for row in rows:
        text = request.POST.get(f"size-{row['position']}", "").strip()
        if text:
            if not text.isdigit():
                problems.append(f"{row['unit']} · {row['category']}:人数应为整数。")
            else:
                sizes[row["key"]] = int(text)
    if not plan_form.is_valid() or problems:
        context["problems"] = problems
        return render(request, "panels/draw_new.html", context, status=400)
    cleaned = plan_form.cleaned_data
    plan = DrawPlan(
        allocation=cleaned["allocation"],
        total=cleaned["total"] or 0,
        minimum_per_unit=cleaned["minimum_per_unit"] or 0,
        per_stratum=cleaned["per_stratum"] or 0,
        sizes=sizes if cleaned["allocation"] == Draw.FIXED else {},
        reserve_percent=cleaned["reserve_percent"],
        target=cleaned["target"] or 0,
    )
    try:
        draw = do_make_draw(
            request.user, chosen, pool_found, plan, round=round_no, seed=cleaned["seed"]
        )
    except InvalidInput as error:
        context["problems"] = _errors(error)
        return render(request, "panels/draw_new.html", context, status=400)
    messages.success(
        request, f"已抽取样本 {draw.sample_size:,} 人、备用 {draw.reserve_size:,} 人。"
    )
    return redirect("panels:draw", draw.pk)


def _issue_initial(draw: Draw) -> dict[str, Any]:
    last = InvitationBatch.objects.filter(draw__campaign=draw.campaign).order_by("-id").first()
    initial: dict[str, Any] = issuing_defaults()
    if last is not None:
        initial.update({"issuer": last.issuer, "verify_phone": last.verify_phone})
    closes = settings_for(draw.method).closes
    today = timezone.localdate()
    initial["expires"] = closes if closes and closes >= today else today + datetime.timedelta(30)
    return initial


def _draw_page(
    request: HttpRequest,
    draw: Draw,
    *,
    issue_form: IssueForm | None = None,
    redraw_form: RedrawForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    response = draw_response(draw)
    context = {
        "draw": draw,
        "campaign": draw.campaign,
        "response": response,
        "batches": draw.batches.select_related("created_by"),
        "issue_form": issue_form or IssueForm(initial=_issue_initial(draw)),
        "redraw_form": redraw_form or RedrawForm(),
        "can_redraw": draw.in_force and not draw.batches.exists() and draw.pool_id is not None,
        "sample_left": DrawMember.objects.filter(
            stratum__draw=draw, reserve=False, invited=False
        ).count(),
        "replaces": draw.replaces.order_by("-id"),
        "problems": problems,
    }
    return render(request, "panels/draw.html", context, status=status)


@require(ORGANISER)
@require_GET
def draw(request: HttpRequest, pk: int) -> HttpResponse:
    return _draw_page(request, get_draw(pk))


REPORT_HEADER = [
    "单位",
    "类别",
    "抽样框人数",
    "要求样本数",
    "样本数",
    "备用数",
    "已发邀请",
    "已回应",
    "回应率(%)",
]


@require(ORGANISER)
@require_GET
def draw_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw report as Excel: counts per stratum (no person), with the seed and the plan."""
    found = get_draw(pk)
    response_rows = draw_response(found).strata
    rows: list[list[Any]] = [
        [
            r.stratum.unit.name if r.stratum.unit else NO_UNIT,
            r.stratum.category or NO_CATEGORY,
            r.stratum.frame,
            r.stratum.requested,
            r.stratum.sample,
            r.stratum.reserve,
            r.issued,
            r.used,
            r.rate,
        ]
        for r in response_rows
    ]
    rows.append(
        [
            "合计",
            "",
            found.frame_size,
            sum(r.stratum.requested for r in response_rows),
            found.sample_size,
            found.reserve_size,
            sum(r.issued for r in response_rows),
            sum(r.used for r in response_rows),
            None,
        ]
    )
    facts = [
        [],
        ["随机种子", str(found.seed)],
        ["抽样框摘要(SHA-256)", found.frame_digest],
        ["抽样时间", timezone.localtime(found.created).strftime("%Y-%m-%d %H:%M")],
    ]
    # Every row as wide as the header (the sheet writer checks it).
    rows.extend(fact + [""] * (len(REPORT_HEADER) - len(fact)) for fact in facts)
    body = one_sheet_workbook("抽样报告", REPORT_HEADER, rows)
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="draw-{found.pk}.xlsx"'
    return response


def _members(draw: Draw) -> Any:
    return (
        DrawMember.objects.filter(stratum__draw=draw)
        .select_related("respondent__unit", "stratum")
        .order_by("stratum__position", "reserve", "position")
    )


@require(ORGANISER)
@require_GET
def draw_people(request: HttpRequest, pk: int) -> HttpResponse:
    """Who was drawn, phones masked, a page at a time; each page shown is audited."""
    found = get_draw(pk)
    if found.pool is None:
        return _draw_page(
            request, found, problems=["样本库已经删除,抽中人员的信息随之删除。"], status=410
        )
    page = Paginator(_members(found), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    record_access(
        request.user,
        found.pool,
        "panel.view",
        {"draw": found.pk, "page": page.number, "shown": len(page.object_list)},
    )
    people = [
        {
            **_person(member.respondent),
            "reserve": member.reserve,
            "position": member.position + 1,
            "invited": member.invited,
        }
        for member in page.object_list
    ]
    context = {"draw": found, "campaign": found.campaign, "page": page, "people": people}
    response = render(request, "panels/draw_people.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require(ORGANISER)
@require_POST
def draw_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The people drawn, full numbers, as Excel (for a survey firm that telephones them)."""
    found = get_draw(pk)
    if found.pool is None:
        return _draw_page(
            request, found, problems=["样本库已经删除,抽中人员的信息随之删除。"], status=410
        )
    rows = [
        [
            m.respondent.phone,
            m.respondent.name,
            m.respondent.category,
            m.respondent.unit.name if m.respondent.unit else "",
            m.respondent.district,
            "备用" if m.reserve else "样本",
            m.position + 1,
            "是" if m.invited else "否",
        ]
        for m in _members(found)
    ]
    record_access(request.user, found.pool, "panel.export", {"draw": found.pk, "rows": len(rows)})
    header = [*EXPORT_HEADER, "样本/备用", "抽中顺序", "已发邀请"]
    response = HttpResponse(one_sheet_workbook("抽中人员", header, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="draw-{found.pk}-people.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@require(ORGANISER)
@require_POST
def redraw(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_draw(pk)
    form = RedrawForm(request.POST)
    if not form.is_valid():
        return _draw_page(request, found, redraw_form=form, status=400)
    try:
        new = do_redraw(
            request.user, found, reason=form.cleaned_data["reason"], seed=form.cleaned_data["seed"]
        )
    except InvalidInput as error:
        return _draw_page(request, found, redraw_form=form, problems=_errors(error), status=400)
    messages.success(request, "已重新抽样;原抽样结果和理由都已记录。")
    return redirect("panels:draw", new.pk)


def _data_uri(content_type: str, body: bytes) -> str:
    return f"data:{content_type};base64," + base64.b64encode(body).decode()


@require(ORGANISER)
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue invitations to the sample (or reserve): the letters exist in this response only."""
    found = get_draw(pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _draw_page(request, found, issue_form=form, status=400)
    reserve: dict[int, int] | None = None
    if request.POST.get("who") == "reserve":
        reserve = {}
        for stratum in found.strata.all():
            text = request.POST.get(f"reserve-{stratum.pk}", "").strip()
            if text.isdigit() and int(text) > 0:
                reserve[stratum.pk] = int(text)
    cleaned = form.cleaned_data
    try:
        outcome = do_issue_from_draw(
            request.user,
            found,
            expires=cleaned["expires"],
            issuer=cleaned["issuer"],
            verify_phone=cleaned["verify_phone"],
            letters=cleaned["letters"],
            sms=cleaned["sms"],
            paper=cleaned["paper"],
            reserve=reserve,
        )
    except InvalidInput as error:
        return _draw_page(request, found, issue_form=form, problems=_errors(error), status=400)
    batch = outcome.batch
    head = Letterhead(batch.issuer, batch.verify_phone, batch.paper)

    def link(token: str) -> str:
        return public_url(request, reverse("surveys:invitation", args=[token]))

    code_url = public_url(request, reverse("surveys:code"))
    failed = []
    if batch.sms and outcome.letters:
        failed = send_invitations(found.method, outcome.letters, head, link=link, code_url=code_url)
        do_record_sms(
            request.user, batch, sent=len(outcome.letters) - len(failed), failed=len(failed)
        )
    # Letters for everyone if asked, else for those the SMS gateway did not take.
    printed = outcome.letters if batch.letters else failed
    pdf = None
    if printed:
        pdf = _data_uri(
            "application/pdf",
            letters_pdf(found.method, printed, head, link=link, code_url=code_url),
        )
    context = {
        "draw": found,
        "campaign": found.campaign,
        "batch": batch,
        "pdf": pdf,
        "printed": len(printed),
        "failed": len(failed),
    }
    response = render(request, "panels/issued.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require(ORGANISER)
@require_GET
def responses(request: HttpRequest, code: str) -> HttpResponse:
    """Response per stratum of every draw in force, with the sample targets (不少于 N 份)."""
    found = get_campaign(code)
    context = {"campaign": found, "draws": campaign_responses(found)}
    return render(request, "panels/responses.html", context)
