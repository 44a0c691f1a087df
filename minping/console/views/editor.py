"""The campaign editor: a campaign's definition in forms, saved as the file ``minping load`` reads.

What the forms say is written as a definition file's text and goes the file's way:
``parse_definition`` checks it, ``load_campaign`` stores it (a published campaign's
rules change only when forced, and every change is audited). The text stored is
the file a power user downloads, edits and uploads on the definition page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import DEFAULT_LEVELS, CampaignDefinition, parse_definition
from minping.campaigns.models import Campaign
from minping.campaigns.serialise import definition_data, definition_text, toml_text
from minping.console.editor_forms import EditorForms, shift_year
from minping.console.views.common import get_campaign
from minping.lib.errors import InvalidInput
from minping.orgs.access import require
from minping.orgs.models import Group, Role

HEADER = "本文件由活动编辑页面保存;也可以下载后编辑,再在“修改定义文件”页面上传。"


def _stored(campaign: Campaign) -> CampaignDefinition | None:
    """The campaign's definition as it was loaded; None if it no longer reads."""
    try:
        return parse_definition(campaign.definition, source=campaign.code)
    except InvalidInput:
        return None


def _baselines(exclude: str = "") -> list[tuple[str, str]]:
    campaigns = Campaign.objects.exclude(code=exclude).order_by("-year", "code")
    return [(c.code, f"{c.title}({c.year})") for c in campaigns]


def _fresh() -> dict[str, Any]:
    """A new campaign's starting point: this year, the default scale, every ranking group."""
    groups = [{"code": g.code, "title": g.name} for g in Group.objects.order_by("code")]
    return {
        "year": timezone.localdate().year,
        "groups": groups,
        "scale": {
            "levels": [{"label": lv.label, "points": lv.points} for lv in DEFAULT_LEVELS],
            "satisfied": [lv.label for lv in DEFAULT_LEVELS if lv.satisfied],
        },
    }


def _check(editor: EditorForms) -> tuple[CampaignDefinition | None, str]:
    """The definition the forms describe, checked as a file is; problems go to their fields."""
    if not editor.is_valid():
        return None, ""
    text = toml_text(editor.data())
    try:
        return parse_definition(text, source="表单"), text
    except InvalidInput as error:
        editor.place(error.problems, text)
        return None, text


@require(Role.ORGANISER)
def campaign_form_new(request: HttpRequest) -> HttpResponse:
    """A new campaign from the forms; ``?from=CODE`` starts from last year's, its baseline."""
    source = None
    data = _fresh()
    if copy_from := request.GET.get("from", ""):
        source = Campaign.objects.filter(code=copy_from).first()
        stored = _stored(source) if source is not None else None
        if stored is None:
            messages.error(request, "找不到要复制的活动,或它的定义已无法读取。")
            return redirect("console:campaign-form-new")
        data = shift_year(definition_data(stored))
    editor = EditorForms(request.POST or None, data=data, baselines=_baselines())
    if request.method == "POST":
        definition, _ = _check(editor)
        if definition is not None:
            if Campaign.objects.filter(code=definition.code).exists():
                editor.basics.add_error("code", f"活动代码“{definition.code}”已被使用,请换一个。")
            elif (saved := _save(request, editor, definition)) is not None:
                return saved
    context = {"editor": editor, "source": source, "copyable": _baselines()}
    return render(request, "console/editor.html", context)


@require(Role.ORGANISER)
def campaign_form_edit(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_campaign(code)
    stored = _stored(campaign)
    if stored is None:
        messages.error(request, "这个活动的定义文件已无法读取,请在“修改定义文件”页面改正。")
        return redirect("console:campaign-edit", code=code)
    editor = EditorForms(
        request.POST or None,
        data=definition_data(stored),
        baselines=_baselines(exclude=code),
        code_fixed=code,
    )
    if request.method == "POST":
        definition, _ = _check(editor)
        if definition is not None:
            if definition == stored:
                messages.info(request, "没有改动任何设置。")
                return redirect("console:campaign", code=code)
            if (saved := _save(request, editor, definition)) is not None:
                return saved
    context = {"editor": editor, "campaign": campaign}
    return render(request, "console/editor.html", context)


def _save(
    request: HttpRequest, editor: EditorForms, definition: CampaignDefinition
) -> HttpResponse | None:
    """Load the definition and go to the campaign; None (the reasons on the page) if refused."""
    force = request.POST.get("force") == "on"
    text = definition_text(definition, comment=HEADER)
    try:
        outcome = load_campaign(definition, text, actor=request.user, force=force)
    except InvalidInput as error:
        editor.page_errors += [p.message for p in error.problems]
        return None
    if outcome.created:
        messages.success(request, f"已创建评议活动“{definition.title}”。")
    else:
        messages.success(request, "已保存:" + ";".join(outcome.summary()))
    return redirect("console:campaign", code=definition.code)


@require(Role.ORGANISER)
def definition_download(request: HttpRequest, code: str) -> HttpResponse:
    """The definition file as stored, for power users to edit and upload again."""
    campaign = get_campaign(code)
    response = HttpResponse(campaign.definition, content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{campaign.code}.toml")
    response["X-Content-Type-Options"] = "nosniff"
    return response
