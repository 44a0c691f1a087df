"""Forms for registering cases: staff taking a hotline call, and the public web form."""

from __future__ import annotations

import re

from django import forms

from minping.campaigns.models import Campaign
from minping.cases.models import Source
from minping.orgs.fields import UnitChoiceField
from minping.orgs.models import Unit


class ComplainantFields(forms.Form):
    name = forms.CharField(label="姓名", max_length=100, required=False)
    phone = forms.CharField(label="联系电话", max_length=40, required=False)
    address = forms.CharField(label="地址", max_length=300, required=False)

    def identity(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k, "") for k in ("name", "phone", "address")}


class IntakeForm(ComplainantFields):
    """What staff write down while taking a hotline call, or from a media report."""

    source = forms.ChoiceField(label="来源", choices=Source.choices, initial=Source.HOTLINE)
    summary = forms.CharField(label="问题摘要", max_length=200)
    details = forms.CharField(
        label="详细情况", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    unit = UnitChoiceField(
        label="涉及单位", queryset=Unit.objects.all(), required=False, empty_label="(尚不确定)"
    )
    campaign = forms.ModelChoiceField(
        label="评议活动",
        queryset=Campaign.objects.all(),
        required=False,
        empty_label="(不属于评议活动)",
    )
    deadline_workdays = forms.IntegerField(
        label="办理时限(工作日)", min_value=1, max_value=30, initial=5
    )
    field_order = ["source", "summary", "details", "unit", "campaign", "deadline_workdays"]


class PublicReportForm(ComplainantFields):
    """The public web form: the complainant may stay anonymous."""

    unit = UnitChoiceField(
        label="反映哪个单位",
        queryset=Unit.objects.all(),
        required=False,
        empty_label="(不清楚,请工作人员判断)",
    )
    summary = forms.CharField(label="问题简述(一句话)", max_length=200)
    details = forms.CharField(
        label="详细情况(时间、地点、经过)",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=5000,
    )
    # Left empty by people; filled in by robots that fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput)
    # Made when the form is shown: a resend of the same form (a phone on weak Wi-Fi
    # tapping 提交 again) gets the first receipt instead of registering a second case.
    retry_key = forms.CharField(required=False, widget=forms.HiddenInput)
    field_order = ["unit", "summary", "details", "name", "phone", "address"]

    def clean_retry_key(self) -> str:
        """A key this site could have made, else none (the person cannot fix a hidden field)."""
        key = self.cleaned_data["retry_key"]
        return key if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key) else ""


class CheckForm(forms.Form):
    number = forms.CharField(label="问题编号", max_length=20)
    code = forms.CharField(label="查询码", max_length=20)
