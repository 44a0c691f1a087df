"""A campaign and the rules it publishes, as loaded from its definition file.

The definition file (TOML, see DESIGN.md) is the source of truth: loading it
creates or updates these rows. The file's text is kept so that what was loaded
can always be shown and compared.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from minping.campaigns.definition import (
    CampaignDefinition,
    GradingDef,
    GroupDef,
    IndicatorDef,
    LevelDef,
    MethodDef,
    RuleDef,
    SourceDef,
    StageDef,
    VetoDef,
)
from minping.campaigns.participation import Participation, UnitDef, UnitTree
from minping.orgs.models import Group, Unit


class Campaign(models.Model):
    """An appraisal campaign (评议活动) for one year."""

    code = models.SlugField("代码", max_length=64, unique=True)
    title = models.CharField("名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    groups = models.JSONField("参评组别", default=list, help_text="参加排名的组别代码,各组分别排名")
    exclude = models.JSONField(
        "不参评单位", default=list, help_text="留在单位树中但本次不参评的单位代码"
    )
    publish = models.BooleanField("结果向社会公开", default=False)
    baseline_code = models.SlugField("上年度活动代码", max_length=64, blank=True)
    deductions_from = models.DateField("减分起始日", null=True, blank=True)
    deductions_to = models.DateField("减分截止日", null=True, blank=True)
    excellent = models.PositiveSmallIntegerField("优秀名额(每组)", default=0)
    unsatisfactory = models.PositiveSmallIntegerField("不满意名额(每组)", default=0)
    watchlist = models.PositiveSmallIntegerField("每种方法的重点跟踪名额", default=0)
    definition = models.TextField("定义文件原文", blank=True)
    published_at = models.DateTimeField("结果发布时间", null=True, blank=True)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = "评议活动"
        verbose_name_plural = "评议活动"

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def as_definition(self) -> CampaignDefinition:
        """The rules as stored, in the definition file's own records: what the engine takes.

        Groups carry their names from the unit tree, so that results can show them.
        """
        names = dict(Group.objects.filter(code__in=self.groups).values_list("code", "name"))
        sources = list(self.deduction_sources.order_by("order"))
        source_codes = {s.pk: s.code for s in sources}
        return CampaignDefinition(
            code=self.code,
            title=self.title,
            year=self.year,
            groups=tuple(GroupDef(code, names.get(code, code)) for code in self.groups),
            methods=tuple(
                MethodDef(m.code, m.title, m.weight, m.input)
                for m in self.methods.order_by("order")
            ),
            indicators=tuple(
                IndicatorDef(i.code, i.title, i.weight) for i in self.indicators.order_by("order")
            ),
            levels=tuple(
                LevelDef(lv.label, lv.points, lv.satisfied) for lv in self.levels.order_by("order")
            ),
            exclude=tuple(self.exclude),
            publish=self.publish,
            baseline=self.baseline_code,
            deductions_from=self.deductions_from,
            deductions_to=self.deductions_to,
            sources=tuple(SourceDef(s.code, s.title, s.cap) for s in sources),
            rules=tuple(
                RuleDef(r.code, r.title, source_codes[r.source_id], r.points)
                for r in self.deduction_rules.order_by("order")
            ),
            vetoes=tuple(VetoDef(v.code, v.title) for v in self.veto_rules.order_by("order")),
            stages=tuple(
                StageDef(st.code, st.title, st.starts, st.ends)
                for st in self.stages.order_by("order")
            ),
            grading=GradingDef(self.excellent, self.unsatisfactory, self.watchlist),
        )

    def participation(self, tree: UnitTree | None = None) -> Participation:
        """Which units this campaign ranks, which are parts, which take part (R-02, R-03, R-05).

        ``campaigns.participation`` decides; this only reads the unit tree (pass ``tree``
        to read it once for several campaigns).
        """
        return Participation(tree if tree is not None else stored_tree(), self.groups, self.exclude)

    @classmethod
    def taking_part(cls, units: Iterable[Unit]) -> list[Campaign]:
        """The campaigns any of ``units`` takes part in (a liaison's unit, or its whole tree)."""
        codes = [unit.code for unit in units]
        tree = stored_tree()
        found: list[Campaign] = []
        for campaign in cls.objects.all():
            taking_part = campaign.participation(tree)
            if any(taking_part.takes_part(code) for code in codes):
                found.append(campaign)
        return found


class ScaleLevel(models.Model):
    """One level of the campaign's rating scale (R-07): 好 100 … 差 0."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="levels")
    order = models.PositiveSmallIntegerField("顺序")
    label = models.CharField("等级", max_length=20)
    points = models.DecimalField("分值", max_digits=7, decimal_places=3)
    satisfied = models.BooleanField("计入满意", default=False)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="level_label_unique"),
            models.UniqueConstraint(fields=["campaign", "order"], name="level_order_unique"),
        ]
        verbose_name = "评价等级"
        verbose_name_plural = "评价等级"

    def __str__(self) -> str:
        return f"{self.label}({self.points})"


class Indicator(models.Model):
    """A question every ballot method asks about a unit (R-06)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="indicators")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("评议内容", max_length=300)
    weight = models.DecimalField("权重", max_digits=9, decimal_places=4, default=1)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="indicator_code_unique")
        ]
        verbose_name = "评议内容(指标)"
        verbose_name_plural = "评议内容(指标)"

    def __str__(self) -> str:
        return self.title


class Method(models.Model):
    """An appraisal method (评议方法), scored on 100 points and weighted into the composite."""

    BALLOTS = "ballots"
    SCORES = "scores"
    INPUT_CHOICES = [(BALLOTS, "答卷(按等级计分)"), (SCORES, "直接录入百分制得分")]

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="methods")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("名称", max_length=200)
    weight = models.DecimalField("权重(%)", max_digits=7, decimal_places=4)
    input = models.CharField("数据来源", max_length=10, choices=INPUT_CHOICES, default=BALLOTS)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="method_code_unique")
        ]
        verbose_name = "评议方法"
        verbose_name_plural = "评议方法"

    def __str__(self) -> str:
        return self.title


class Stage(models.Model):
    """A dated stage of the campaign (R-34): mobilisation, self-inspection, appraisal, summary."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("名称", max_length=200)
    starts = models.DateField("开始日期")
    ends = models.DateField("结束日期")

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="stage_code_unique")
        ]
        verbose_name = "阶段"
        verbose_name_plural = "阶段"

    def __str__(self) -> str:
        return f"{self.title}({self.starts}–{self.ends})"


class DeductionSource(models.Model):
    """A body that proposes deductions (R-20), e.g. the media, with an optional cap."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="deduction_sources")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("名称", max_length=200)
    cap = models.DecimalField("累计减分上限", max_digits=7, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"], name="deduction_source_code_unique"
            )
        ]
        verbose_name = "减分来源"
        verbose_name_plural = "减分来源"

    def __str__(self) -> str:
        return self.title


class DeductionRule(models.Model):
    """What a deduction is for and how many points each event costs (R-20)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="deduction_rules")
    source = models.ForeignKey(DeductionSource, models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("减分事项", max_length=300)
    points = models.DecimalField("每次减分", max_digits=7, decimal_places=3)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="deduction_rule_code_unique")
        ]
        verbose_name = "减分规则"
        verbose_name_plural = "减分规则"

    def __str__(self) -> str:
        return f"{self.title}(每次 −{self.points})"


class VetoRule(models.Model):
    """A cause that classes a unit as unsatisfactory whatever its score (R-22)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="veto_rules")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("否决事项", max_length=300)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="veto_rule_code_unique")
        ]
        verbose_name = "一票否决规则"
        verbose_name_plural = "一票否决规则"

    def __str__(self) -> str:
        return self.title


class MethodScore(models.Model):
    """A 0–100 score entered for a unit on a method whose input is ``scores``."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="method_scores")
    method = models.ForeignKey(Method, models.CASCADE, related_name="scores")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="method_scores")
    score = models.DecimalField("得分", max_digits=9, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["method", "unit"], name="method_score_unique")
        ]
        verbose_name = "方法得分"
        verbose_name_plural = "方法得分"

    def __str__(self) -> str:
        return f"{self.unit} · {self.method}: {self.score}"


class ImportBatch(models.Model):
    """One file imported into a campaign; the same file is not imported twice by mistake."""

    campaign = models.ForeignKey(
        Campaign, models.CASCADE, null=True, blank=True, related_name="import_batches"
    )
    kind = models.CharField("类型", max_length=20)
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数")
    created = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}({self.rows} 行)"


class ImportJob(models.Model):
    """A file uploaded on the web page, from its check to its import (``campaigns.import_jobs``).

    The file waits in a private folder of the server until the user confirms,
    then the same action as ``minping import`` stores it. How far a running
    check or import got is kept beside the file, not here: see ``import_jobs``.
    """

    class State(models.TextChoices):
        WAITING = "waiting", "等待开始"
        CHECKING = "checking", "正在检查"
        READY = "ready", "检查通过,等待确认"
        STORING = "storing", "正在导入"
        DONE = "done", "已导入"
        FAILED = "failed", "未导入"
        CANCELLED = "cancelled", "已放弃"

    kind = models.CharField("类型", max_length=20)
    campaign = models.ForeignKey(
        Campaign, models.CASCADE, null=True, blank=True, related_name="import_jobs"
    )
    filename = models.CharField("文件名", max_length=255)
    folder = models.CharField("存放目录", max_length=64, unique=True)
    size = models.PositiveBigIntegerField("文件大小", default=0)
    background = models.BooleanField("后台运行", default=False)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.WAITING)
    created_by = models.ForeignKey(
        "auth.User", models.SET_NULL, null=True, related_name="+", verbose_name="上传人"
    )
    created = models.DateTimeField("上传时间", auto_now_add=True)
    confirmed_by = models.ForeignKey(
        "auth.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    started_at = models.DateTimeField("本步开始", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    rows_total = models.PositiveIntegerField("行数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    preview = models.JSONField("预览", default=dict, blank=True)
    check_text = models.TextField("检查结果", blank=True)
    result_text = models.TextField("导入结果", blank=True)
    counts = models.JSONField("计数", default=dict, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    problems = models.JSONField("错误(前 200 条)", default=list, blank=True)
    problems_total = models.PositiveIntegerField("错误数", default=0)
    message = models.TextField("说明", blank=True)
    batch = models.OneToOneField(
        ImportBatch, models.SET_NULL, null=True, blank=True, related_name="job"
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = "网页导入"
        verbose_name_plural = "网页导入"

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}({self.get_state_display()})"


def stored_tree() -> UnitTree:
    """The unit tree as stored (R-01), with database ids, for ``campaigns.participation``."""
    rows = list(Unit.objects.values_list("pk", "code", "name", "parent_id", "group__code"))
    codes = {pk: code for pk, code, *_ in rows}
    return UnitTree(
        (
            UnitDef(code, name, codes[parent] if parent else None, group)
            for _, code, name, parent, group in rows
        ),
        ids={code: pk for pk, code, *_ in rows},
    )
