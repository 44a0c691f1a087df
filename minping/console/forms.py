"""Forms of the organiser console."""

from __future__ import annotations

from django import forms

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
    unit = forms.CharField(label="单位代码", max_length=64)
    reason = forms.CharField(
        label="原因(如拉票、弄虚作假)", widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmissionForm(forms.Form):
    text = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    file = DocumentField(label="文件", required=False)
