"""Reading the forms of the surveys pages; every problem becomes a sentence for the user."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from minping.orgs.fields import UnitChoiceField
from minping.orgs.models import Unit
from minping.surveys.actions import Holder
from minping.surveys.models import Channel, CollectionSettings
from minping.surveys.questionnaires import UnitResponse

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Link tokens and window slugs are base64url; anything else is not worth a query.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_PICKED = 100


def new_form_key() -> str:
    """The one-time key hidden in each rendered questionnaire (idempotency, DESIGN issue 3)."""
    return secrets.token_urlsafe(24)


def valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def plausible_token(token: str) -> bool:
    return bool(TOKEN_PATTERN.match(token))


@dataclass
class Answers:
    """A questionnaire post as read: what the respondent chose, and the form's key."""

    responses: list[UnitResponse]
    category: str
    key: str
    chosen: dict[str, str] = field(default_factory=dict)


def field_name(index: int, indicator: str) -> str:
    return f"u{index}-{indicator}"


def read_answers(post: QueryDict, spec: dict[str, Any], units: list[Unit]) -> Answers:
    """Take the posted answers for ``units`` (in the order they were shown)."""
    responses, chosen = [], {}
    for index, unit in enumerate(units):
        levels = {}
        for item in spec["indicators"]:
            name = field_name(index, item["code"])
            value = str(post.get(name, ""))[:50]
            chosen[name] = value
            if value:
                levels[item["code"]] = value
        comment = str(post.get(f"u{index}-comment", "")) if spec.get("comment") else ""
        # PostgreSQL cannot store NUL in text; no one types it on purpose.
        comment = comment.replace("\x00", "")
        chosen[f"u{index}-comment"] = comment[:5000]
        responses.append(UnitResponse(unit, levels, comment))
    category = str(post.get("category", ""))[:40]
    chosen["category"] = category
    return Answers(responses, category, str(post.get("key", ""))[:100], chosen)


def read_picked(values: list[str], pickable: dict[str, Unit]) -> tuple[list[Unit], str]:
    """The units a respondent ticked, or an error message."""
    codes = list(dict.fromkeys(v for v in values if v))
    if not codes:
        return [], "请至少选择一个您办过事的单位。"
    if len(codes) > MAX_PICKED:
        return [], f"一次最多评价 {MAX_PICKED} 个单位。"
    if any(code not in pickable for code in codes):
        return [], "所选单位不在本次评议范围内,请重新选择。"
    return [pickable[code] for code in codes], ""


class IssueInvitationsForm(forms.Form):
    holders = forms.CharField(
        label="名单",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=500_000,
        help_text="每行一人:姓名,身份标识(手机号或证件号),可从表格直接粘贴。"
        "同一身份标识出现多次(如既是人大代表又是政协委员)只发一个邀请码。",
    )
    expires = forms.DateField(label="有效期至", widget=forms.DateInput(attrs={"type": "date"}))
    # The view narrows the units to those the campaign ranks.
    unit = UnitChoiceField(
        label="评议对象(可不选)",
        queryset=Unit.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="(不指定)",
        help_text="选定则只评这个单位;不选则由受邀人选择自己办过事的单位。",
        error_messages={"invalid_choice": "这个单位不在本次评议范围内,请从列表中选择"},
    )
    category = forms.CharField(
        label="评议主体类别(可不填)",
        required=False,
        max_length=40,
        help_text="如“两代表一委员”;不填则由受邀人自选。",
    )

    def clean_expires(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["expires"]
        if value < timezone.localdate():
            raise forms.ValidationError("有效期不能早于今天。")
        return value

    def holder_list(self) -> tuple[list[Holder], list[str]]:
        """The listed people, and a message for each line that cannot be read."""
        holders, problems = [], []
        for number, line in enumerate(self.cleaned_data["holders"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[,\t,;;]", line) if p.strip()]
            if len(parts) < 2:
                problems.append(f"第 {number} 行:应为“姓名,身份标识”")
                continue
            holders.append(Holder(parts[0][:100], parts[1][:200], number))
        if not holders and not problems:
            problems.append("名单是空的。")
        return holders, problems


class KioskForm(forms.Form):
    name = forms.CharField(label="设备名称", max_length=100, help_text="如“户政窗口平板一号”")


# Channels built so far; online and interviewer entry arrive with their own pages.
CHANNEL_CHOICES = [
    (c.value, c.label)
    for c in (
        Channel.INVITATION,
        Channel.WINDOW,
        Channel.KIOSK,
        Channel.ONLINE,
        Channel.INTERVIEWER,
    )
]


# "企业办事人员 30", also with a colon, an equals sign, a full-width space or full-width digits.
QUOTA_LINE = re.compile(r"(.+?)\s*[\s:：=]\s*(\d+)")


class CollectionSettingsForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label="适用渠道",
        choices=CHANNEL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.CharField(
        label="评议主体类别",
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="每行一类;留空则不问身份。修改后需“更新问卷版本”才生效。",
    )
    category_quotas = forms.CharField(
        label="类别配额",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行“类别 份数”,表示每个单位需要该类别的有效答卷份数,"
        "例如“企业办事人员 30”;留空则不设配额。进度页显示未达配额的单位。",
    )

    class Meta:
        model = CollectionSettings
        fields = [
            "channels",
            "categories",
            "category_quotas",
            "ask_comment",
            "target",
            "rounds",
            "round_target",
            "current_round",
            "opens",
            "closes",
            "closed",
            "window_interval",
            "kiosk_interval",
        ]
        widgets = {
            "opens": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.initial["categories"] = "\n".join(self.instance.categories or [])
            quotas = self.instance.category_quotas or {}
            self.initial["category_quotas"] = "\n".join(f"{k} {n}" for k, n in quotas.items())

    def clean_categories(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["categories"].splitlines()]
        names = list(dict.fromkeys(line for line in lines if line))
        too_long = [name for name in names if len(name) > 40]
        if too_long:
            raise forms.ValidationError(f"类别名称不超过 40 字:{too_long[0][:50]}")
        # Version 2: a category the method's definition does not count cannot be
        # added (its answers would not count); the questionnaire leaves those kept out.
        if self.instance.method_id is not None:
            method = self.instance.method.as_definition()
            kept = set(self.instance.categories or [])
            for name in names:
                if name not in kept and (why := method.respondent_refusal(name)):
                    raise forms.ValidationError(f"不能添加“{name}”:{why}。")
        return names

    def clean_category_quotas(self) -> dict[str, int]:
        quotas: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["category_quotas"].splitlines(), 1):
            if not line.strip():
                continue
            found = QUOTA_LINE.fullmatch(line.strip())
            name, count = (found.group(1), int(found.group(2))) if found else ("", 0)
            if not 0 < count <= 100_000:
                raise forms.ValidationError(
                    f"第 {number} 行应为“类别 份数”,份数是 1 到 100000 的整数:{line.strip()[:50]}"
                )
            if name in quotas:
                raise forms.ValidationError(f"第 {number} 行:类别“{name}”重复设置了配额。")
            quotas[name] = count
        return quotas

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        categories, quotas = data.get("categories"), data.get("category_quotas") or {}
        if categories is not None:
            unknown = [name for name in quotas if name not in categories]
            if unknown:
                self.add_error(
                    "category_quotas", f"“{unknown[0]}”不在评议主体类别中,请先在类别里添加。"
                )
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and opens > closes:
            self.add_error("closes", "截止日期不能早于开始日期。")
        rounds, current = data.get("rounds"), data.get("current_round")
        if rounds is not None and current is not None and not 1 <= current <= max(rounds, 1):
            self.add_error("current_round", f"当前轮次应在 1 到 {max(rounds, 1)} 之间。")
        return data
