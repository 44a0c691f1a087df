"""Forms of the sample library pages: plain Chinese labels, every number checked."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from minping.panels.models import Draw, InvitationBatch, Pool

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def issuing_defaults() -> dict[str, str]:
    """The issuing office and verification phone from settings (``MINPING_ISSUING_OFFICE``,
    ``MINPING_VERIFICATION_PHONE``); the issue form starts from the last ones used."""
    return {
        "issuer": settings.MINPING_ISSUING_OFFICE,
        "verify_phone": settings.MINPING_VERIFICATION_PHONE,
    }


def clean_seed(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise forms.ValidationError("随机种子只能是不超过 18 位的数字。")
    return int(text)


class PoolForm(forms.Form):
    title = forms.CharField(label="样本库名称", max_length=100, help_text="如“服务对象样本库”")
    file = forms.FileField(
        label="名单文件(可以以后再导入)",
        required=False,
        help_text="CSV 或 Excel(.xlsx),第一行为表头:手机号(必填)、姓名、类别、单位、区县",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="名单文件",
        help_text="CSV 或 Excel(.xlsx),第一行为表头:手机号(必填)、姓名、类别、单位、区县",
    )


class AcceptListForm(forms.Form):
    pool = forms.ModelChoiceField(label="放入样本库", queryset=Pool.objects.none())

    def __init__(self, *args: Any, campaign: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pool"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Pool.objects.filter(campaign=campaign)
        field.empty_label = None


class KeepForm(forms.Form):
    reason = forms.CharField(
        label="保留理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    delete_on = forms.DateField(label="到期删除日期", widget=DATE)


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(label="我确认删除这个样本库中的全部人员信息,删除后无法恢复")


class DrawStartForm(forms.Form):
    """Step one of a draw: which method, round and pool."""

    method = forms.ChoiceField(label="评议方法")
    round = forms.TypedChoiceField(label="轮次", coerce=int, choices=[(1, "第 1 轮")])
    pool = forms.ModelChoiceField(label="从哪个样本库抽取", queryset=Pool.objects.none())

    def __init__(
        self, *args: Any, methods: list[Any], rounds: int, pools: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        method = self.fields["method"]
        assert isinstance(method, forms.ChoiceField)
        method.choices = [(m.code, m.title) for m in methods]
        round_field = self.fields["round"]
        assert isinstance(round_field, forms.ChoiceField)
        round_field.choices = [(n, f"第 {n} 轮") for n in range(1, max(rounds, 1) + 1)]
        pool = self.fields["pool"]
        assert isinstance(pool, forms.ModelChoiceField)
        pool.queryset = pools
        pool.empty_label = None


class DrawPlanForm(forms.Form):
    """Step two: how many people, from which strata, with what reserve."""

    allocation = forms.ChoiceField(
        label="样本量怎么定",
        choices=[
            (Draw.PROPORTIONAL, "给出总数,按各层人数比例分配(每个单位可设最少人数)"),
            (Draw.FIXED, "每层抽取相同人数(下表中可逐层修改)"),
        ],
        widget=forms.RadioSelect,
        initial=Draw.PROPORTIONAL,
    )
    total = forms.IntegerField(label="样本总数", min_value=1, required=False)
    minimum_per_unit = forms.IntegerField(
        label="每个单位至少抽取", min_value=0, required=False, initial=0
    )
    per_stratum = forms.IntegerField(label="每层抽取人数", min_value=0, required=False)
    reserve_percent = forms.IntegerField(
        label="备用样本(占样本的百分比)",
        min_value=0,
        max_value=100,
        initial=20,
        help_text="用于补替未回应的人;各层分别抽取,不超过该层剩余人数",
    )
    target = forms.IntegerField(
        label="目标有效答卷数(不少于)",
        min_value=0,
        required=False,
        initial=0,
        help_text="如方案要求“测评问卷不少于 500 份”,填 500;进度页据此显示差额",
    )
    seed = forms.CharField(
        label="随机种子(可不填)",
        required=False,
        max_length=18,
        help_text="不填则由系统随机生成并记录;同一种子、同一样本库抽出的结果完全相同",
    )

    def clean_seed(self) -> int | None:
        return clean_seed(self.cleaned_data["seed"])


class IssueForm(forms.Form):
    letters = forms.BooleanField(label="打印邀请函(PDF)", required=False, initial=True)
    sms = forms.BooleanField(label="发送短信邀请", required=False)
    paper = forms.ChoiceField(
        label="信函纸张",
        choices=InvitationBatch.PAPERS,
        initial=InvitationBatch.A4,
        widget=forms.RadioSelect,
    )
    issuer = forms.CharField(
        label="发函单位", max_length=100, help_text="印在信函上,如“××市纠风办”"
    )
    verify_phone = forms.CharField(
        label="核实电话",
        max_length=40,
        help_text="群众打这个电话核实调查是否真实",
    )
    expires = forms.DateField(label="填写截止日期", widget=DATE)

    def clean_expires(self) -> datetime.date:
        expires: datetime.date = self.cleaned_data["expires"]
        if expires < timezone.localdate():
            raise forms.ValidationError("截止日期不能早于今天。")
        return expires


class RedrawForm(forms.Form):
    reason = forms.CharField(
        label="重新抽样的理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="记入审计日志,如“样本库中发现 30 条重复号码,已更正”",
    )
    seed = forms.CharField(
        label="新的随机种子(可不填)",
        required=False,
        max_length=18,
        help_text="不填则由系统随机生成并记录",
    )

    def clean_seed(self) -> int | None:
        return clean_seed(self.cleaned_data["seed"])
