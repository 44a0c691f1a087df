"""Reading the audit log: organisers and leaders filter it; nobody edits it."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.orgs.access import require
from minping.orgs.models import Role

PAGE = 50

# How an action is named to a reader; unknown ones are shown by their code.
ACTION_LABELS = {
    "audit.keyed": "审计日志改用密钥签名",
    "campaign.load": "新建评议活动",
    "campaign.update": "修改评议活动",
    "deduction.propose": "提出减分",
    "deduction.sign_off": "减分签字",
    "deduction.accept": "采纳减分",
    "deduction.reject": "不采纳减分",
    "veto.propose": "提出一票否决",
    "veto.sign_off": "一票否决签字",
    "veto.accept": "采纳一票否决",
    "veto.reject": "不采纳一票否决",
    "eligibility.withdraw": "取消评优资格",
    "eligibility.restore": "恢复评优资格",
    "requirement.create": "新增报送要求",
    "requirement.update": "修改报送要求",
    "submission.submit": "单位报送材料",
    "submission.replace": "单位重新报送",
    "scoring.compute": "计算结果",
    "scoring.publish": "发布结果",
    "scoring.submit": "上报审定结果",
    "scoring.approve": "审定结果",
    "scoring.return": "退回结果",
    "scoring.release": "向各单位通报结果",
    "user.create": "新建账号",
    "user.reset_password": "重置密码",
    "user.change_password": "本人修改密码",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "totp.begin": "开始启用动态口令",
    "totp.confirm": "启用动态口令",
    "totp.remove": "停用动态口令",
    "visit.plan": "登记走访计划",
    "visit.record": "登记走访记录",
    "visit.to_case": "走访问题转线索",
    "sheet.assign": "指派评分人",
    "sheet.assign_peers": "安排窗口互评",
    "sheet.unassign": "取消评分指派",
    "sheet.save": "保存评分表草稿",
    "sheet.submit": "提交评分表",
    "sheet.correct": "更正评分表中的得分",
    "sheet.reopen": "退回评分表",
    "calendar.set_day": "录入节假日或调休上班日",
    "calendar.remove_day": "删除节假日或调休上班日",
    "calendar.import": "导入放假安排",
    "calendar.confirm_year": "确认全年放假安排录入完毕",
    "calendar.withdraw_year": "撤销全年放假安排的确认",
}


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@require(Role.ORGANISER, Role.LEADER)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.order_by("-seq")
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("action", "campaign", "actor", "since", "until", "object")
    }
    problems: list[str] = []
    if params["action"]:
        entries = entries.filter(action__startswith=params["action"])
    if params["campaign"]:
        entries = entries.filter(campaign_code=params["campaign"])
    if params["actor"]:
        entries = entries.filter(actor_label__icontains=params["actor"])
    if params["object"]:
        entries = entries.filter(object_id=params["object"])
    for key, label in (("since", "起始日期"), ("until", "截止日期")):
        if params[key]:
            day = _day(params[key])
            if day is None:
                problems.append(f"{label}“{params[key]}”不是有效日期,已忽略")
            elif key == "since":
                entries = entries.filter(at__gte=_day_start(day))
            else:
                entries = entries.filter(at__lt=_day_start(day + datetime.timedelta(days=1)))
    page = Paginator(entries, PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in params.items() if v})
    rows: list[dict[str, Any]] = [
        {"entry": e, "label": ACTION_LABELS.get(e.action, e.action)} for e in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "params": params,
        "query": query,
        "problems": problems,
        "actions": sorted(ACTION_LABELS.items()),
        "campaigns": AuditEntry.objects.exclude(campaign_code="")
        .values_list("campaign_code", flat=True)
        .distinct()
        .order_by("campaign_code"),
    }
    return render(request, "audit/log.html", context)
