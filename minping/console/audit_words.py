"""The audit log in sentences: who did what to whom, with names where the entry keeps codes.

An entry keeps what the action knew (unit codes, method codes, states); a reader wants
“张三 采纳了 公安局 的减分 0.2 分”. Known actions have a sentence of their own; any other
action reads as its name followed by the details this module can put into words. A detail
it cannot put into words is left out of the sentence (the page keeps the stored record for
power users), so no code or Python value ever reaches the reader.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minping.audit.models import AuditEntry

# How an action is named to a reader.
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
    "contact_card.create": "新建联系卡",
    "contact_card.update": "修改联系卡",
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
    "case.register": "登记问题线索",
    "case.reveal_identity": "查看投诉人身份",
    "ledger.add": "新增整改台账事项",
    "ledger.update": "修改整改台账事项",
    "ledger.strike_off": "整改台账事项销号",
    "api_key.issue": "发放接口密钥",
    "api_key.rotate": "更换接口密钥",
    "api_key.revoke": "停用接口密钥",
    "panel.create": "新建样本库",
    "panel.import": "导入样本库名单",
    "panel.accept_list": "采用单位报送的服务对象名单",
    "panel.view": "查看样本库名单",
    "panel.export": "导出样本库名单",
    "panel.keep": "延长样本库保存期限",
    "panel.delete": "删除样本库",
    "draw.make": "抽取样本",
    "draw.redraw": "重新抽样",
    "draw.issue": "向抽中人员发放邀请",
    "draw.sms": "登记短信发送结果",
    "collection.settings": "修改收集设置",
    "collection.round": "进入下一轮收集",
    "questionnaire.freeze": "生成问卷版本",
    "invitation.issue": "发放邀请码",
    "window_link.create": "生成窗口评议二维码",
    "kiosk.register": "登记评议平板",
    "kiosk.pair": "评议平板完成配对",
    "kiosk.revoke": "停用评议平板",
    "comment.mark": "把意见标记为需跟进",
    "comment.unmark": "取消意见的需跟进标记",
    "ballot.accept": "计入待核答卷",
    "ballot.reject": "不计入待核答卷",
    "report.request": "申请生成报告",
    "report.generate": "生成报告",
    "import.units": "导入单位",
    "import.scores": "导入得分",
    "import.ballots": "导入答卷",
    "import.deductions": "导入减分",
    "import.vetoes": "导入一票否决",
    "demo.create_user": "创建演示账号",
    "consequence.record": "登记约谈、问责或曝光",
    "consequence.delete": "删除约谈、问责或曝光记录",
    "person_award.record": "登记个人表彰",
    "person_award.delete": "撤销个人表彰",
}

# Sentences of the actions people ask about most. ``{actor}`` is who acted; the other
# fields are the entry's details in words (see ``Reader.words``). A sentence whose field is
# missing gives way to the general form.
SENTENCES = {
    "deduction.propose": "{actor} 提出对 {unit} 减分:{rule} × {count}",
    "deduction.sign_off": "{actor} 签字同意对 {unit} 的减分",
    "deduction.accept": "{actor} 采纳了 {unit} 的减分 {points} 分",
    "deduction.reject": "{actor} 不采纳 {unit} 的减分,理由:{reason}",
    "veto.propose": "{actor} 提出对 {unit} 一票否决:{rule}",
    "veto.sign_off": "{actor} 签字同意对 {unit} 一票否决",
    "veto.accept": "{actor} 采纳了对 {unit} 的一票否决",
    "veto.reject": "{actor} 不采纳对 {unit} 的一票否决,理由:{reason}",
    "eligibility.withdraw": "{actor} 取消了 {unit} 的评优资格,理由:{reason}",
    "eligibility.restore": "{actor} 恢复了 {unit} 的评优资格,理由:{reason}",
    "consequence.record": "{actor} 登记了对 {unit} 的{kind}:{summary}",
    "consequence.delete": "{actor} 删除了对 {unit} 的{kind}记录,理由:{reason}",
    "person_award.record": "{actor} 登记 {unit} 的 {person} 为“{award}”",
    "person_award.delete": "{actor} 撤销了 {unit} 的 {person} 的“{award}”,理由:{reason}",
    "submission.submit": "{actor} 为 {unit} 报送了“{requirement}”",
    "submission.replace": "{actor} 为 {unit} 重新报送了“{requirement}”",
    "case.register": "{actor} 登记了问题 {number}(来源:{source})",
    "case.transfer": "{actor} 把问题 {number} 转给 {unit} 办理",
    "user.create": "{actor} 新建了账号 {username}",
    "user.reset_password": "{actor} 重置了 {username} 的密码",
    "role.grant": "{actor} 授予 {username} “{role}”角色",
    "role.revoke": "{actor} 撤销了 {username} 的“{role}”角色",
    "campaign.load": "{actor} 新建了评议活动“{campaign}”",
    "campaign.update": "{actor} 修改了评议活动“{campaign}”",
    "scoring.compute": "{actor} 计算了“{campaign}”的结果",
    "scoring.publish": "{actor} 发布了“{campaign}”的结果",
    "invitation.issue": "{actor} 为“{method}”发放了 {issued} 个邀请码",
    "ballot.accept": "{actor} 把 {unit} 的一份待核答卷计入结果",
    "ballot.reject": "{actor} 把 {unit} 的一份待核答卷排除在结果之外",
}

# What each detail is called in the general form, in the order it is told.
DETAIL_NAMES = {
    "number": "编号",
    "unit": "单位",
    "window": "窗口",
    "units": "单位",
    "method": "评议方法",
    "rule": "事项",
    "count": "次数",
    "points": "分值",
    "source": "来源",
    "username": "账号",
    "role": "角色",
    "title": "名称",
    "name": "名称",
    "requirement": "报送要求",
    "pool": "样本库",
    "case": "问题编号",
    "date": "日期",
    "due": "截止日期",
    "due_on": "期限",
    "expires": "有效期至",
    "delete_on": "到期删除",
    "year": "年度",
    "quarter": "季度",
    "round": "轮次",
    "version": "版本",
    "kind": "类别",
    "category": "评议主体类别",
    "issued": "发出",
    "invitations": "邀请",
    "sent": "发送成功",
    "failed": "发送失败",
    "rows": "行数",
    "added": "新增",
    "score": "得分",
    "contact": "联系人",
    "to": "状态",
    "card": "转办卡",
    "document_number": "文号",
    "satisfaction": "满意度",
    "approve": "批准",
    "follow_up": "需跟进",
    "anonymous": "匿名",
    "late": "逾期",
    "issuer": "落款单位",
    "reason": "理由",
    "why": "原因",
    "note": "说明",
}

SHELL = re.compile(r"^cli(?::(?P<login>.+))?$")
# A value that reads as words or figures, not as an identifier.
CODE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*([_.:-][A-Za-z0-9]+)*$")


def actor_name(label: str, user: Any = None) -> str:
    """Who acted, as a reader names them: the person's name, or what ran the command."""
    name = (getattr(user, "first_name", "") or "").strip() if user is not None else ""
    if name:
        return name
    shell = SHELL.match(label or "")
    if shell:
        return f"命令行({shell['login']})" if shell["login"] else "命令行"
    return label or "系统"


def _kind_labels() -> dict[str, str]:
    """Every ``kind`` a detail may carry, by its label (the kinds never share a code)."""
    from minping.cases.models import ExplanationKind
    from minping.oversight.models import ConsequenceKind, SubmissionKind, VisitKind
    from minping.reports.models import ReportJob

    labels: dict[str, str] = {"on": "上班", "off": "放假"}
    for choices in (SubmissionKind, VisitKind, ExplanationKind, ReportJob.Kind, ConsequenceKind):
        labels.update({value: str(label) for value, label in choices.choices})
    return labels


@dataclass
class Reader:
    """Turns a page of entries into sentences, looking names up once per page."""

    entries: list[AuditEntry]
    units: dict[str, str] = field(default_factory=dict)
    campaigns: dict[str, str] = field(default_factory=dict)
    methods: dict[tuple[str, str], str] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    rules: dict[tuple[str, str], str] = field(default_factory=dict)
    points: dict[int, Decimal] = field(default_factory=dict)

    @classmethod
    def for_entries(cls, entries: Iterable[AuditEntry]) -> Reader:
        from minping.campaigns.models import (
            Campaign,
            DeductionRule,
            DeductionSource,
            Method,
            VetoRule,
        )
        from minping.orgs.models import Unit
        from minping.oversight.models import Deduction

        listed = list(entries)
        reader = cls(listed)
        codes = {c for e in listed for c in _unit_codes(e.detail)}
        reader.units = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
        named = {e.campaign_code for e in listed if e.campaign_code}
        reader.campaigns = dict(
            Campaign.objects.filter(code__in=named).values_list("code", "title")
        )
        for model, into in ((Method, reader.methods), (DeductionSource, reader.sources)):
            for campaign, code, title in model.objects.filter(campaign__code__in=named).values_list(
                "campaign__code", "code", "title"
            ):
                into[(campaign, code)] = title
        for rules in (DeductionRule, VetoRule):
            for campaign, code, title in rules.objects.filter(campaign__code__in=named).values_list(
                "campaign__code", "code", "title"
            ):
                reader.rules[(campaign, code)] = title
        deductions = [
            int(e.object_id)
            for e in listed
            if e.object_type == "oversight.deduction" and e.object_id.isdigit()
        ]
        for pk, count, points in Deduction.objects.filter(pk__in=deductions).values_list(
            "pk", "count", "rule__points"
        ):
            reader.points[pk] = Decimal(count) * points
        return reader

    def sentence(self, entry: AuditEntry) -> str:
        """The entry as one sentence; never a code, never a Python value."""
        try:
            return self._sentence(entry)
        except Exception:  # a detail shaped unlike any before must not take the log down
            label = ACTION_LABELS.get(entry.action, "进行了操作")
            return f"{actor_name(entry.actor_label)} {label}"

    def _sentence(self, entry: AuditEntry) -> str:
        words = self.words(entry)
        words["actor"] = actor_name(entry.actor_label, entry.actor)
        pattern = SENTENCES.get(entry.action)
        if pattern:
            try:
                return pattern.format(**words)
            except KeyError:
                pass
        label = ACTION_LABELS.get(entry.action) or _case_label(entry.action) or "进行了操作"
        told = [f"{DETAIL_NAMES[k]}:{words[k]}" for k in DETAIL_NAMES if words.get(k)]
        if words.get("campaign"):
            told.insert(0, f"评议活动:{words['campaign']}")
        return f"{words['actor']} {label}" + (f"({';'.join(told)})" if told else "")

    def words(self, entry: AuditEntry) -> dict[str, str]:
        """The details that can be put into words, by their key."""
        detail = entry.detail if isinstance(entry.detail, dict) else {}
        campaign = entry.campaign_code
        out: dict[str, str] = {}
        if campaign in self.campaigns:
            out["campaign"] = self.campaigns[campaign]
        if entry.object_type == "oversight.deduction" and entry.object_id.isdigit():
            points = self.points.get(int(entry.object_id))
            if points is not None:
                out["points"] = _number(points)
        for key, value in detail.items():
            text = self._value(entry, key, value, campaign)
            if text:
                out[key] = text
        return out

    def _value(self, entry: AuditEntry, key: str, value: Any, campaign: str) -> str:
        from minping.cases.models import Satisfaction, Source, State
        from minping.orgs.models import Role

        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, (dict, list)) and key != "units":
            return ""
        if key in ("unit", "window"):
            return self.units.get(str(value), "")
        if key == "units":
            if isinstance(value, int):
                return f"{value} 个"  # some actions count the units instead of naming them
            names = [self.units.get(str(code), "") for code in value if isinstance(code, str)]
            return "、".join(n for n in names if n)
        if key == "method":
            return self.methods.get((campaign, str(value)), "")
        if key == "rule":
            return self.rules.get((campaign, str(value)), "")
        if key == "source":
            if entry.action.startswith(("case.", "api_key.")):
                return dict(Source.choices).get(str(value), "")
            return self.sources.get((campaign, str(value)), "")
        if key == "role":
            return dict(Role.choices).get(str(value), "")
        if key == "to":
            return dict(State.choices).get(str(value), "")
        if key == "satisfaction":
            return dict(Satisfaction.choices).get(str(value), "")
        if key == "kind":
            return _kind_labels().get(str(value), "")
        if isinstance(value, (int, float, Decimal)):
            return _number(value)
        text = str(value).strip()
        if isinstance(value, str) and _is_date(text):
            return text
        # Free text people wrote (reasons, titles, names) reads as it is; identifiers do not.
        if key in ("reason", "why", "note", "title", "name", "requirement", "pool", "issuer"):
            return text
        if key in ("username", "contact", "document_number", "number", "case", "card"):
            return text
        return "" if CODE_LIKE.match(text) else text


def _case_label(action: str) -> str:
    from minping.cases.actions import EVENT_LABELS

    if action.startswith("case."):
        return EVENT_LABELS.get(action.removeprefix("case."), "")
    return ""


def _unit_codes(detail: Any) -> list[str]:
    if not isinstance(detail, dict):
        return []
    found = [str(detail[k]) for k in ("unit", "window") if detail.get(k)]
    units = detail.get("units")
    if isinstance(units, list):
        found += [code for code in units if isinstance(code, str)]
    return found


def _number(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True
