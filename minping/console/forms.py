"""Forms of the organiser console."""

from __future__ import annotations

from typing import Any

from django import forms

from minping.campaigns.import_kinds import KINDS
from minping.campaigns.models import Campaign, IneligibilityRule
from minping.orgs.fields import UnitChoiceField
from minping.orgs.models import Unit
from minping.oversight.forms import DocumentField
from minping.oversight.models import SubmissionKind


class DefinitionForm(forms.Form):
    """A definition file uploaded, or its text typed or pasted: either is checked the same way."""

    file = forms.FileField(label="上传定义文件(.toml)", required=False)
    text = forms.CharField(
        label="或直接编辑定义文件内容",
        required=False,
        widget=forms.Textarea(attrs={"class": "code", "spellcheck": "false", "rows": 24}),
    )
    force = forms.BooleanField(label="结果已发布仍要修改评分规则(会记入审计日志)", required=False)


class RequirementForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=SubmissionKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    due = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EligibilityForm(forms.Form):
    unit = UnitChoiceField(
        label="单位",
        queryset=Unit.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": "请从列表中选择单位"},
    )
    rule = forms.ModelChoiceField(
        label="情形", queryset=IneligibilityRule.objects.none(), required=False
    )
    reason = forms.CharField(
        label="原因(如拉票、弄虚作假)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = IneligibilityRule.objects.filter(campaign=campaign)
        if rules.exists():  # version 2: the definition lists the reasons
            self.fields["rule"].queryset = rules  # type: ignore[attr-defined]
            self.fields["rule"].required = True
            self.fields["reason"].label = "具体情况(可不填)"
        else:
            del self.fields["rule"]


class SubmissionForm(forms.Form):
    text = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    file = DocumentField(label="文件", required=False)


class CalendarDayForm(forms.Form):
    """One day of the working-day table: a holiday, or a weekend day worked (调休上班)."""

    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label="安排", choices=[("off", "放假"), ("work", "调休上班")], initial="off"
    )
    note = forms.CharField(label="说明(如 春节、地方假日)", max_length=100, required=False)


class CalendarImportForm(forms.Form):
    """The State Council's notice as a table: a file, or lines pasted from it."""

    file = forms.FileField(label="上传表格(.xlsx 或 .csv)", required=False)
    text = forms.CharField(
        label="或粘贴各行(每行:日期 休/班 名称)",
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": (
                    "2027-01-01 休 元旦\n2027-02-06至2027-02-12 休 春节\n2027-02-14 班 春节"
                ),
            }
        ),
    )
    complete = forms.BooleanField(
        label="这是全年的安排:导入后确认该年已录入完毕", required=False, initial=True
    )


class CampaignChoiceField(forms.ModelChoiceField[Campaign]):
    """Campaigns by title, chosen by code."""

    def label_from_instance(self, obj: Campaign) -> str:
        return obj.title


class ImportForm(forms.Form):
    """A data file to check and then import: what it holds, into which campaign."""

    kind = forms.ChoiceField(
        label="导入什么", choices=[(code, kind.name) for code, kind in KINDS.items()]
    )
    campaign = CampaignChoiceField(
        label="评议活动",
        queryset=Campaign.objects.all(),
        required=False,
        to_field_name="code",
        empty_label="(导入评议对象时不用选)",
    )
    file = forms.FileField(
        label="文件(.xlsx 或 .csv,第一行为列名)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = KINDS.get(data.get("kind", ""))
        if kind is not None and kind.per_campaign and data.get("campaign") is None:
            self.add_error("campaign", f"导入{kind.name}须选择评议活动")
        return data


class _UnitChoice(forms.ModelChoiceField):
    """Units by name: the office picks a unit, never types its code."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ConsequenceForm(forms.Form):
    unit = _UnitChoice(label="单位", queryset=None)
    kind = forms.ChoiceField(label="类别", choices=())
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(
        label="经过和结果(约谈了谁、问责了谁、在哪里曝光)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    document_number = forms.CharField(label="文号(可不填)", max_length=100, required=False)

    def __init__(self, *args: Any, units: Any, kinds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class PersonAwardForm(forms.Form):
    unit = _UnitChoice(label="单位", queryset=None)
    person = forms.CharField(label="姓名", max_length=50)
    position = forms.CharField(label="职务(可不填)", max_length=100, required=False)
    award = forms.CharField(
        label="奖项", max_length=100, widget=forms.TextInput(attrs={"list": "award-names"})
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
