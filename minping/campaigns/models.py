"""A campaign and the rules it publishes, as loaded from its definition file.

The definition file (TOML, see DESIGN.md) is the source of truth: loading it
creates or updates these rows. The file's text is kept so that what was loaded
can always be shown and compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import models

from minping.campaigns.deadlines import day_text
from minping.campaigns.definition import (
    CASE_RATES,
    ApprovalDef,
    CampaignDefinition,
    CaseFormulaDef,
    GradingDef,
    GroupDef,
    IndicatorDef,
    IneligibilityDef,
    LevelDef,
    MethodDef,
    RuleDef,
    SourceDef,
    StageDef,
    SubmissionDef,
    VetoDef,
    asked,
)
from minping.campaigns.participation import Participation, UnitDef, UnitTree, method_scopes
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
    # Version 2: numbers a group gives itself, {"nt-windows": {"excellent": 10}}.
    group_grading = models.JSONField("各组别名额", default=dict, blank=True)
    # Version 2 (R-24, seed 003): focus on last year's bottom N and on units it criticised.
    baseline_bottom = models.PositiveSmallIntegerField("上年排名后几名列为重点督查", default=0)
    baseline_criticised = models.BooleanField("上年受通报批评的列为重点督查", default=False)
    # Version 2: ``composite = false``, no weights and no composite; ``[grading] by``
    # names the method that ranks and grades the units (empty: none does).
    composite = models.BooleanField("计算综合得分", default=True)
    grading_by = models.SlugField("按该评议方法排名", max_length=64, blank=True)
    definition = models.TextField("定义文件原文", blank=True)
    published_at = models.DateTimeField("结果发布时间", null=True, blank=True)
    # results need this body's approval before units or the public see them.
    approval_code = models.SlugField("结果审定机关代码", max_length=64, blank=True)
    approval_title = models.CharField("结果审定机关", max_length=200, blank=True)
    # Shown on every page a respondent sees, so that people can check a questionnaire is real.
    issuer = models.CharField("组织单位", max_length=100, blank=True)
    verify_phone = models.CharField("核实电话", max_length=40, blank=True)
    # The definition file's version (``format = 2``); 1 for a file without the key.
    format = models.PositiveSmallIntegerField("定义文件版本", default=1)
    # Version 2: group → the group whose units' windows and stations it ranks (R-03).
    part_groups = models.JSONField("下属单位排名组别", default=dict, blank=True)
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

    @property
    def needs_approval(self) -> bool:
        """Whether results must be approved by a higher body before they stand (R-23)."""
        return bool(self.approval_code)

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
            groups=tuple(
                GroupDef(
                    code,
                    names.get(code, code),
                    parts_of=self.part_groups.get(code, ""),
                    **self.group_grading.get(code, {}),
                )
                for code in self.groups
            ),
            methods=tuple(m.as_definition() for m in self.methods.order_by("order")),
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
            sources=tuple(SourceDef(s.code, s.title, s.cap, s.floor) for s in sources),
            rules=tuple(
                RuleDef(
                    r.code,
                    r.title,
                    source_codes[r.source_id],
                    r.points,
                    tuple(r.sources),
                    r.method,
                    r.max_points,
                )
                for r in self.deduction_rules.order_by("order")
            ),
            vetoes=tuple(VetoDef(v.code, v.title) for v in self.veto_rules.order_by("order")),
            stages=tuple(
                StageDef(st.code, st.title, st.starts, st.ends)
                for st in self.stages.order_by("order")
            ),
            grading=GradingDef(
                self.excellent,
                self.unsatisfactory,
                self.watchlist,
                self.baseline_bottom,
                self.baseline_criticised,
                self.grading_by,
            ),
            submissions=self._submission_defs(),
            approval=(
                ApprovalDef(self.approval_code, self.approval_title) if self.approval_code else None
            ),
            issuer=self.issuer,
            verify_phone=self.verify_phone,
            format=self.format,
            composite=self.composite,
            ineligibility=tuple(
                IneligibilityDef(r.code, r.title, r.body)
                for r in self.ineligibility_rules.order_by("order")
            ),
        )

    def _submission_defs(self) -> tuple[SubmissionDef, ...]:
        """The requirements the definition file states (those added on a page have no code)."""
        rows = self.requirements.exclude(code="").select_related("stage")
        return tuple(
            SubmissionDef(r.code, r.kind, r.title, r.due, r.stage.code if r.stage else "")
            for r in rows
        )

    def participation(self, tree: UnitTree | None = None) -> Participation:
        """Which units this campaign ranks, which are parts, which take part (R-02, R-03, R-05).

        ``campaigns.participation`` decides; this only reads the unit tree (pass ``tree``
        to read it once for several campaigns).
        """
        scopes = method_scopes(
            self.methods.values_list("code", "parts", "covers", "covers_attribute"), self.groups
        )
        return Participation(
            tree if tree is not None else stored_tree(),
            self.groups,
            self.exclude,
            part_groups=self.part_groups,
            methods=scopes,
        )

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
    CASES = "cases"
    INPUT_CHOICES = [
        (BALLOTS, "答卷(按等级计分)"),
        (SCORES, "直接录入百分制得分"),
        (CASES, "按问题线索办理情况计分"),
    ]

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="methods")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("名称", max_length=200)
    weight = models.DecimalField("权重(%)", max_digits=7, decimal_places=4)
    input = models.CharField("数据来源", max_length=10, choices=INPUT_CHOICES, default=BALLOTS)
    # who runs the method, when, and by when its data are due.
    body = models.CharField("组织实施单位", max_length=200, blank=True)
    starts = models.DateField("开始日期", null=True, blank=True)
    ends = models.DateField("结束日期", null=True, blank=True)
    deadline = models.DateField("数据报送截止日期", null=True, blank=True)
    # the weights of a ``cases`` method's formula, as {"on_time": "25", …}.
    case_formula = models.JSONField("问题办理计分公式", null=True, blank=True)
    # Version 2: recorded and ranked on its own but not in the composite (weight 0).
    scored = models.BooleanField("计入综合得分", default=True)
    # Version 2: the groups it applies to; empty: every group.
    groups = models.JSONField("适用组别", default=list, blank=True)
    # Version 2: minimum samples, checked when results are computed.
    min_ballots = models.PositiveIntegerField("最低答卷数(全活动)", default=0)
    min_unit_ballots = models.PositiveIntegerField("每个单位最低答卷数", default=0)
    too_few = models.CharField("样本不足时", max_length=6, default="warn")
    # Version 2 (``campaigns.participation``): how a department with parts is rated
    # ("mean", "own"; "" in version 1) and the only units the method rates (empty: all).
    parts = models.CharField("有下属单位的部门怎样评", max_length=8, blank=True)
    covers = models.JSONField("评议范围(单位代码)", default=list, blank=True)
    # Version 2: the unit attributes it covers by (“进驻市民大厅”); empty: none named.
    covers_attribute = models.JSONField("评议范围(单位属性)", default=list, blank=True)
    # Version 2: the indicator codes its questionnaire asks; empty: every indicator
    # (``CampaignDefinition.indicators_for``).
    indicators = models.JSONField("所问评议内容(代码)", default=list, blank=True)
    # Version 2: the respondent categories whose ballots count (empty: all),
    # and those that never count; ``MethodDef.respondent_refusal`` decides with them.
    respondents = models.JSONField("评议主体类别", default=list, blank=True)
    exclude_respondents = models.JSONField("不参加评议的类别", default=list, blank=True)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="method_code_unique")
        ]
        verbose_name = "评议方法"
        verbose_name_plural = "评议方法"

    def __str__(self) -> str:
        return self.title

    @property
    def schedule_text(self) -> str:
        """Who runs the method and when, in plain words (R-19); empty when the file says nothing."""
        parts = []
        if self.body:
            parts.append(f"由{self.body}负责")
        if self.starts and self.ends:
            parts.append(f"{day_text(self.starts)}至{day_text(self.ends)}进行")
        elif self.starts:
            parts.append(f"{day_text(self.starts)}开始")
        elif self.ends:
            parts.append(f"{day_text(self.ends)}结束")
        if self.deadline:
            parts.append(f"数据于{day_text(self.deadline)}前报送")
        return ";".join(parts)

    @property
    def formula_text(self) -> str:
        """A ``cases`` method's formula in plain words (R-33)."""
        formula = formula_from_json(self.case_formula)
        if self.input != self.CASES or formula is None:
            return ""
        weights = "、".join(
            f"{CASE_RATES[rate]} {format(weight.normalize(), 'f')}%"
            for rate, weight in formula.weights
            if weight
        )
        points = format(formula.no_cases.normalize(), "f")
        return f"按问题线索办理情况计分:{weights};没有问题线索的单位记 {points} 分"

    @property
    def scope_text(self) -> str:
        """Whom the method rates and whose ballots count, in plain Chinese (version 2);
        empty for version 1's rule."""
        said = []
        if self.parts == "mean":
            said.append("有下属窗口/站所的部门取其平均,不直接评议部门")
        elif self.parts == "own":
            said.append("直接评议部门本身,不评其下属窗口/站所")
        shown = [f"标有“{attribute}”的单位" for attribute in self.covers_attribute]
        if self.covers:
            names = dict(Unit.objects.filter(code__in=self.covers).values_list("code", "name"))
            # A group of the campaign is named by its title: its units are covered (version 2).
            named = [code for code in self.covers if code in self.campaign.groups]
            groups = dict(Group.objects.filter(code__in=named).values_list("code", "name"))
            shown = [
                f"{groups[code]}各单位" if code in groups else names.get(code, code)
                for code in self.covers
            ] + shown
        if shown:
            said.append("只评议" + "、".join(shown))
        if self.respondents or self.exclude_respondents:  # whose ballots count
            said.append(self.as_definition().respondents_text)
        return ";".join(said)

    @property
    def asked_text(self) -> str:
        """What the questionnaire asks, in plain Chinese, when the method names its own
        indicators (version 2); empty when it asks every indicator of the campaign."""
        if not self.indicators or self.input != self.BALLOTS:
            return ""
        return "问卷只问:" + "、".join(i.title for i in self.asked_indicators())

    def asked_indicators(self) -> tuple[Indicator, ...]:
        """The campaign's indicators this method's questionnaire asks, in their order
        (version 2's ``indicators`` on a method; else all): ``definition.asked``."""
        return asked(list(self.campaign.indicators.order_by("order")), self)

    def as_definition(self) -> MethodDef:
        return MethodDef(
            self.code,
            self.title,
            self.weight,
            self.input,
            body=self.body,
            starts=self.starts,
            ends=self.ends,
            deadline=self.deadline,
            cases=formula_from_json(self.case_formula),
            scored=self.scored,
            groups=tuple(self.groups),
            min_ballots=self.min_ballots,
            min_unit_ballots=self.min_unit_ballots,
            too_few=self.too_few,
            parts=self.parts,
            covers=tuple(self.covers),
            covers_attribute=tuple(self.covers_attribute),
            indicators=tuple(self.indicators),
            respondents=tuple(self.respondents),
            exclude_respondents=tuple(self.exclude_respondents),
        )


def formula_to_json(formula: CaseFormulaDef | None) -> dict[str, str] | None:
    """A case formula as stored: exact figures as text, so that 0.1 stays 0.1."""
    if formula is None:
        return None
    values = {**dict(formula.weights), "no_cases": formula.no_cases}
    return {key: format(value.normalize(), "f") for key, value in values.items()}


def formula_from_json(data: dict[str, str] | None) -> CaseFormulaDef | None:
    if not data:
        return None
    return CaseFormulaDef(**{key: Decimal(value) for key, value in data.items()})


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
    # Version 2: its deductions never take the score they come off below this (扣完为止: 0).
    floor = models.DecimalField(
        "减分后最低得分", max_digits=7, decimal_places=3, null=True, blank=True
    )

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
    # Version 2: every source that may propose it when several do; ``source`` is the first.
    sources = models.JSONField("提出单位(多个时)", default=list, blank=True)
    # Version 2: the code of the method whose score its deductions come off; empty: composite.
    method = models.CharField("从该方法得分中减", max_length=64, blank=True)
    # Version 2: points set case by case up to this (``points`` is then 0).
    max_points = models.DecimalField(
        "每次减分上限(逐件确定)", max_digits=7, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="deduction_rule_code_unique")
        ]
        verbose_name = "减分规则"
        verbose_name_plural = "减分规则"

    def __str__(self) -> str:
        return f"{self.title}(每次 −{self.points})"


class IneligibilityRule(models.Model):
    """A reason a unit loses award eligibility (R-39: 拉票、弄虚作假、整改不力); version 2."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="ineligibility_rules")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("情形", max_length=300)
    body = models.CharField("认定单位", max_length=200, blank=True)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"], name="ineligibility_rule_code_unique"
            )
        ]
        verbose_name = "取消评优资格情形"
        verbose_name_plural = "取消评优资格情形"

    def __str__(self) -> str:
        return self.title


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
    # The day the score was last imported or corrected: later than the method's deadline
    # is flagged. Null for scores stored before this was kept.
    recorded_on = models.DateField("录入日期", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["method", "unit"], name="method_score_unique")
        ]
        verbose_name = "方法得分"
        verbose_name_plural = "方法得分"

    def __str__(self) -> str:
        return f"{self.unit} · {self.method}: {self.score}"


class ScoreSheet(models.Model):
    """One rater's sheet for one method whose input is scores (R-16, R-17).

    The organiser assigns units to it (its lines); the rater scores each 0–100. A
    draft until submitted; a submitted sheet is locked and its scores count: a
    unit's method score is the mean of the submitted sheets (``campaigns.sheets``).
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="score_sheets")
    method = models.ForeignKey(Method, models.CASCADE, related_name="sheets")
    rater = models.ForeignKey(
        "auth.User", models.PROTECT, related_name="score_sheets", verbose_name="评分人"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        ordering = ["method", "rater__username"]
        constraints = [
            models.UniqueConstraint(fields=["method", "rater"], name="score_sheet_unique")
        ]
        verbose_name = "评分表"
        verbose_name_plural = "评分表"

    def __str__(self) -> str:
        return f"{self.method} · {self.rater}"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class SheetLine(models.Model):
    """A unit assigned on a score sheet, and the score the rater gave it (empty until filled)."""

    sheet = models.ForeignKey(ScoreSheet, models.CASCADE, related_name="lines")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="sheet_lines")
    score = models.DecimalField("得分", max_digits=9, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["sheet", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["sheet", "unit"], name="sheet_line_unique")]
        verbose_name = "评分表中的单位"
        verbose_name_plural = "评分表中的单位"

    def __str__(self) -> str:
        return f"{self.sheet} · {self.unit}: {self.score}"


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
    rows = list(Unit.objects.values_list("pk", "code", "name", "parent_id", "group__code", "tags"))
    codes = {pk: code for pk, code, *_ in rows}
    return UnitTree(
        (
            UnitDef(code, name, codes[parent] if parent else None, group, frozenset(tags or ()))
            for _, code, name, parent, group, tags in rows
        ),
        ids={code: pk for pk, code, *_ in rows},
    )
