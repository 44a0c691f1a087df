"""Oversight of units (R-15, R-20..R-22, R-35, R-36, R-39).

Deductions (减分) and vetoes (一票否决) pass through a sign-off workflow; units
submit their documents against deadlines; inspectors plan and record visits and
keep contact cards; a unit caught breaking the fairness rules loses award
eligibility.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    IneligibilityRule,
    VetoRule,
)
from minping.orgs.models import Unit
from minping.oversight.storage import upload_storage


class Review(models.TextChoices):
    """Where a proposed deduction or veto stands (R-21): only ``accepted`` counts."""

    PROPOSED = "proposed", "已提出,待负责人签字"
    SIGNED_OFF = "signed_off", "负责人已签字,待组织单位审核"
    ACCEPTED = "accepted", "已采纳(计分)"
    REJECTED = "rejected", "未采纳"


class ReviewedItem(models.Model):
    """What deductions and vetoes share: evidence, who proposed, signed off and decided."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    date = models.DateField("事件日期")
    evidence = models.TextField("依据(文号或材料)", blank=True)
    document_number = models.CharField("文号", max_length=100, blank=True)
    attachment = models.FileField(
        "附件", storage=upload_storage, upload_to="evidence/%Y/%m/", blank=True
    )
    # What the attachment's content was found to be when uploaded (minping.lib.uploads);
    # empty for files stored before uploads were checked.
    attachment_type = models.CharField("附件类型", max_length=100, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=12, choices=Review.choices, default=Review.PROPOSED, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField("签字时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    reason = models.TextField("审核意见", blank=True)
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def counts(self) -> bool:
        return self.status == Review.ACCEPTED


class Deduction(ReviewedItem):
    """An event that costs a unit points, once accepted and inside the campaign's window."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="deductions")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="deductions")
    rule = models.ForeignKey(DeductionRule, models.PROTECT, related_name="deductions")
    count = models.PositiveIntegerField("次数", default=1)
    # The points of one event, for a rule whose points are set case by case (version 2).
    points = models.DecimalField("每次减分", max_digits=7, decimal_places=3, null=True, blank=True)
    # Which body proposed it, when its rule has several (version 2); else the rule's source.
    source = models.ForeignKey(
        DeductionSource,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="deductions",
        verbose_name="提出单位",
    )

    class Meta:
        ordering = ["campaign", "date", "id"]
        verbose_name = "减分"
        verbose_name_plural = "减分"

    def __str__(self) -> str:
        return f"{self.unit} · {self.rule.title} × {self.count}"

    @property
    def source_code(self) -> str:
        return str((self.source or self.rule.source).code)


class Veto(ReviewedItem):
    """A cause that classes the unit as unsatisfactory whatever its score, once accepted.

    ``source_code`` names the body that proposed it (a discipline body holding a
    source membership); empty when the organiser recorded or imported it.
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="vetoes")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="vetoes")
    rule = models.ForeignKey(VetoRule, models.PROTECT, related_name="vetoes")
    source_code = models.SlugField("提出单位代码", max_length=64, blank=True)

    class Meta:
        ordering = ["campaign", "date", "id"]
        verbose_name = "一票否决"
        verbose_name_plural = "一票否决"

    def __str__(self) -> str:
        return f"{self.unit} · {self.rule.title}"


class Ineligibility(models.Model):
    """A unit caught canvassing for votes or faking material loses award eligibility (R-39)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="ineligible")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ineligibilities")
    # Version 2: which of the definition's reasons; ``reason`` then adds the details.
    rule = models.ForeignKey(
        IneligibilityRule,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="ineligibilities",
        verbose_name="情形",
    )
    reason = models.TextField("原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["campaign", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="ineligibility_unique")
        ]
        verbose_name = "取消评优资格"
        verbose_name_plural = "取消评优资格"

    def __str__(self) -> str:
        return f"{self.unit} · 取消评优资格"

    @property
    def shown_reason(self) -> str:
        """The reason as results and reports show it: the definition's, then the details."""
        parts = [self.rule.title if self.rule_id else "", self.reason.strip()]  # type: ignore[union-attr]
        return ":".join(p for p in parts if p)


class SubmissionKind(models.TextChoices):
    """What units hand in (R-04, R-35)."""

    SELF_INSPECTION = "self_inspection", "自查报告"
    DUTIES = "duties", "工作职能及服务对象登记表"
    CONTACT = "contact", "联络人"
    COMMITMENTS = "commitments", "公开承诺"
    SUMMARY = "summary", "总结报告及报表"
    OTHER = "other", "其他材料"


class SubmissionRequirement(models.Model):
    """Something every unit of the campaign must submit by a deadline (R-35).

    One written in the definition file (``[[submissions]]``) carries its ``code`` and
    changes only when the file is loaded again; one added on the campaign page has none.
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="requirements")
    code = models.SlugField("代码", max_length=64, blank=True)
    kind = models.CharField("材料类型", max_length=20, choices=SubmissionKind.choices)
    title = models.CharField("名称", max_length=200)
    due = models.DateField("截止日期")
    stage = models.ForeignKey(
        "campaigns.Stage",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name="所属阶段",
    )

    class Meta:
        ordering = ["campaign", "due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "title"], name="requirement_unique"
            ),
            models.UniqueConstraint(
                fields=["campaign", "code"],
                condition=~models.Q(code=""),
                name="requirement_code_unique",
            ),
        ]
        verbose_name = "报送要求"
        verbose_name_plural = "报送要求"

    def __str__(self) -> str:
        return f"{self.title}(截止 {self.due})"

    @property
    def from_definition(self) -> bool:
        return bool(self.code)

    @property
    def wants_text(self) -> bool:
        """Contact person and commitments are typed in; the others are documents."""
        return self.kind in (SubmissionKind.CONTACT, SubmissionKind.COMMITMENTS)


class Submission(models.Model):
    """What one unit handed in for one requirement; a later upload replaces the earlier."""

    requirement = models.ForeignKey(
        SubmissionRequirement, models.CASCADE, related_name="submissions"
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="submissions")
    text = models.TextField("内容", blank=True)
    file = models.FileField(
        "文件", storage=upload_storage, upload_to="submissions/%Y/%m/", blank=True
    )
    file_type = models.CharField("文件类型", max_length=100, blank=True, editable=False)
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["requirement", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "unit"], name="submission_unique")
        ]
        verbose_name = "报送材料"
        verbose_name_plural = "报送材料"

    def __str__(self) -> str:
        return f"{self.unit} · {self.requirement.title}"

    @property
    def late(self) -> bool:
        return submitted_on(self.submitted_at) > self.requirement.due


def submitted_on(moment: datetime.datetime) -> datetime.date:
    """The day in China's time zone: a report sent at 23:30 on the due day is on time."""
    return timezone.localtime(moment).date()


class VisitKind(models.TextChoices):
    COVERT = "covert", "暗访"
    OPEN = "open", "明查"


class VisitPlan(models.Model):
    """A visit an inspector plans for a quarter (R-36)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="visit_plans")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="visit_plans")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField(
        "季度", choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]
    )
    kind = models.CharField("方式", max_length=10, choices=VisitKind.choices)
    focus = models.TextField("重点内容", blank=True)
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["year", "quarter", "unit"]
        verbose_name = "走访计划"
        verbose_name_plural = "走访计划"

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度 · {self.unit} · {self.get_kind_display()}"


class Visit(models.Model):
    """An inspection visit done (明查暗访): what was found, and a 0–100 score.

    The inspector's identity stays with the organiser: the visited unit sees
    the findings, never who made them.
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="visits")
    plan = models.ForeignKey(
        VisitPlan, models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="visits")
    date = models.DateField("走访日期")
    kind = models.CharField("方式", max_length=10, choices=VisitKind.choices)
    findings = models.TextField("发现的问题")
    score = models.DecimalField(
        "评分(百分制)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    case_reference = models.CharField("转为问题线索", max_length=64, blank=True)
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"

    def __str__(self) -> str:
        return f"{self.date} · {self.unit} · {self.get_kind_display()}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, models.CASCADE, related_name="photos")
    file = models.FileField("照片", storage=upload_storage, upload_to="visits/%Y/%m/")
    file_type = models.CharField("文件类型", max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = "走访照片"
        verbose_name_plural = "走访照片"

    def __str__(self) -> str:
        return self.file.name or ""


class ContactCard(models.Model):
    """An inspector's contact card (联系卡) with a unit: whom to call, and what was discussed."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="contact_cards")
    contact_name = models.CharField("单位联系人", max_length=100)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    notes = models.TextField("联系记录", blank=True)
    created = models.DateTimeField("建卡时间", auto_now_add=True)

    class Meta:
        ordering = ["unit", "id"]
        verbose_name = "联系卡"
        verbose_name_plural = "联系卡"

    def __str__(self) -> str:
        return f"{self.unit} · {self.contact_name}"


class ConsequenceKind(models.TextChoices):
    """What the plans do with units that fall short (R-40)."""

    TALK = "talk", "约谈"
    ACCOUNTABILITY = "accountability", "问责"
    EXPOSURE = "exposure", "公开曝光"


class Consequence(models.Model):
    """An admonishment talk, an accountability action or a public exposure (R-40).

    Recorded, not computed: the plans differ on who is talked to (seed 001 drops the
    talks with the last-ranked units), so the office records what it decided and did.
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="consequences")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="consequences")
    kind = models.CharField("类别", max_length=20, choices=ConsequenceKind.choices)
    date = models.DateField("日期")
    summary = models.TextField("经过和结果")
    document_number = models.CharField("文号", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["campaign", "date", "id"]
        verbose_name = "约谈、问责和曝光"
        verbose_name_plural = "约谈、问责和曝光"

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()}"


class PersonAward(models.Model):
    """An award to a person named in the results, e.g. 优秀服务窗口负责人 (seed 003, R-23)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="person_awards")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="person_awards")
    person = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=100, blank=True)
    award = models.CharField("奖项", max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["campaign", "award", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "person", "award"], name="person_award_unique"
            )
        ]
        verbose_name = "个人表彰"
        verbose_name_plural = "个人表彰"

    def __str__(self) -> str:
        return f"{self.award} · {self.person}({self.unit})"
