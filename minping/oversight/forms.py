"""Forms for proposing deductions and vetoes, and for inspectors' plans, visits and cards."""

from __future__ import annotations

from typing import Any

from django import forms

from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.lib import uploads
from minping.orgs.fields import UnitChoiceField
from minping.orgs.models import Unit
from minping.oversight.models import VisitKind

DATE = forms.DateInput(attrs={"type": "date"})


def campaign_units(campaign: Campaign) -> Any:
    """Units taking part (``campaigns.participation``), for choosing whom a record is about."""
    taking_part = campaign.participation()
    return Unit.objects.filter(pk__in=taking_part.ids(taking_part.taking_part())).order_by("code")


class DocumentField(forms.FileField):
    """An evidence file or a unit's submission, checked by its content (minping.lib.uploads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": uploads.DOCUMENT.accept})
        )
        kwargs.setdefault("help_text", "PDF、Word(.docx)、Excel(.xlsx)或图片,不超过 20 MB")
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        return uploads.check(upload, uploads.DOCUMENT) if upload else upload


class ProposeForm(forms.Form):
    unit = UnitChoiceField(label="被减分单位", queryset=Unit.objects.none())
    date = forms.DateField(label="事件日期", widget=DATE)
    document_number = forms.CharField(label="文号", max_length=100, required=False)
    evidence = forms.CharField(
        label="依据(事实经过、材料说明)", widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = DocumentField(label="附件(通报、记录等)", required=False)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["unit"].queryset = campaign_units(campaign)  # type: ignore[attr-defined]


class DeductionForm(ProposeForm):
    field_order = ["rule", "unit", "date", "count"]
    rule = forms.ModelChoiceField(label="减分事项", queryset=DeductionRule.objects.none())
    count = forms.IntegerField(label="次数", min_value=1, max_value=1000, initial=1)
    points = forms.DecimalField(
        label="每次减分(仅分值逐件确定的规则填写)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=3,
    )

    def __init__(self, *args: Any, campaign: Campaign, sources: set[str] | None, **kwargs: Any):
        super().__init__(*args, campaign=campaign, **kwargs)
        rules = DeductionRule.objects.filter(campaign=campaign).select_related("source")
        if sources is not None:
            # A rule several bodies propose (version 2) is offered to each of them.
            mine = [r.pk for r in rules if {r.source.code, *r.sources} & set(sources)]
            rules = rules.filter(pk__in=mine)
        self.fields["rule"].queryset = rules  # type: ignore[attr-defined]
        self.order_fields(self.field_order)


class VetoForm(ProposeForm):
    field_order = ["rule", "source_code", "unit", "date"]
    rule = forms.ModelChoiceField(label="否决事项", queryset=VetoRule.objects.none())
    source_code = forms.ChoiceField(label="提出单位", choices=())

    def __init__(
        self, *args: Any, campaign: Campaign, sources: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, campaign=campaign, **kwargs)
        self.fields["unit"].label = "被否决单位"
        self.fields["rule"].queryset = VetoRule.objects.filter(campaign=campaign)  # type: ignore[attr-defined]
        self.fields["source_code"].choices = sources  # type: ignore[attr-defined]
        self.order_fields(self.field_order)


class DeclineForm(forms.Form):
    reason = forms.CharField(label="不签字的理由", widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    unit = UnitChoiceField(label="走访单位", queryset=Unit.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="季度",
        coerce=int,
        choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")],
    )
    kind = forms.ChoiceField(label="方式", choices=VisitKind.choices, initial=VisitKind.COVERT)
    focus = forms.CharField(
        label="重点内容", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = campaign_units(campaign)  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos, each checked by its content and re-encoded (minping.lib.uploads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": uploads.PHOTO.accept}))
        kwargs.setdefault("help_text", "JPG、PNG 或 WebP 图片,每张不超过 20 MB")
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        return [uploads.check(f, uploads.PHOTO) for f in cleaned if f]


class VisitForm(forms.Form):
    unit = UnitChoiceField(label="走访单位", queryset=Unit.objects.none())
    date = forms.DateField(label="走访日期", widget=DATE)
    kind = forms.ChoiceField(label="方式", choices=VisitKind.choices, initial=VisitKind.COVERT)
    findings = forms.CharField(
        label="发现的问题(没有问题也请写明)", widget=forms.Textarea(attrs={"rows": 4})
    )
    score = forms.DecimalField(
        label="评分(0–100,可不填)", min_value=0, max_value=100, decimal_places=2, required=False
    )
    photos = PhotosField(label="照片(可多张)", required=False)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = campaign_units(campaign)  # type: ignore[attr-defined]


class CardForm(forms.Form):
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.order_by("code"))
    contact_name = forms.CharField(label="单位联系人", max_length=100)
    contact_phone = forms.CharField(label="联系电话", max_length=40, required=False)
    notes = forms.CharField(
        label="联系记录", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
