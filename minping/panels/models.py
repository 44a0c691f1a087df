"""The sample library (样本库) and its random draws (抽样), R-04, R-10, R-11, R-13, R-18.

A pool holds personal information under the Personal Information Protection Law
(个人信息保护法): phone numbers and optional names. Only the organiser sees it,
and it is deleted when its campaign closes unless the office records a decision to
keep it until a date (``Retention``). Nothing here is ever joined with ballots:
no ballot or answer has a key to a pool row, and a draw's link to the invitations
it issued goes through its stratum, never through a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minping.campaigns.models import Campaign, Method
from minping.orgs.models import Unit


class Pool(models.Model):
    """A campaign's list of people who may be drawn to answer (评议主体样本库)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="pools")
    title = models.CharField("名称", max_length=100)
    created = models.DateTimeField("建立时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name = "样本库"
        verbose_name_plural = "样本库"

    def __str__(self) -> str:
        return self.title


class PoolImport(models.Model):
    """One file, or one unit's service-object list (R-04), taken into a pool."""

    pool = models.ForeignKey(Pool, models.CASCADE, related_name="imports")
    # Set when the rows came from a unit's 工作职能及服务对象登记表 the organiser accepted.
    submission = models.ForeignKey(
        "oversight.Submission", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数")
    added = models.PositiveIntegerField("新增人数")
    merged = models.PositiveIntegerField("重复合并人数")
    created = models.DateTimeField("导入时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pool", "id"]
        verbose_name = "样本库导入记录"
        verbose_name_plural = "样本库导入记录"

    def __str__(self) -> str:
        return self.filename


class Respondent(models.Model):
    """One person in a pool: one row per phone (R-13: several roles, one person).

    ``phone_key`` is a keyed hash of the number (``surveys.tokens.keyed_hash``
    with its own purpose, so it matches no hash in the surveys tables); duplicates
    are found by it under a unique constraint. The number itself is kept to send
    the SMS invitation, and is shown masked.
    """

    # A million rows per pool: the two indexes below serve ``pool`` and ``unit``, and the
    # keys get no index of their own (each would slow the import).
    pool = models.ForeignKey(Pool, models.CASCADE, related_name="respondents", db_index=False)
    origin = models.ForeignKey(PoolImport, models.CASCADE, related_name="+", db_index=False)
    phone = models.CharField("手机号", max_length=11)
    phone_key = models.CharField("手机号摘要", max_length=64)
    name = models.CharField("姓名", max_length=50, blank=True)
    category = models.CharField("类别", max_length=40, blank=True)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    district = models.CharField("区县", max_length=50, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pool", "phone_key"], name="one_respondent_per_phone")
        ]
        # A draw reads (id, unit, category) of a whole pool, and the pool page counts by
        # unit and category: this index covers both, so neither visits the table in the
        # phone-hash order of the unique index (six times slower on SQLite, bench/).
        indexes = [
            models.Index(fields=["pool", "unit", "category", "id"], name="respondent_stratum")
        ]
        verbose_name = "样本库人员"
        verbose_name_plural = "样本库人员"

    def __str__(self) -> str:
        return f"{self.pool} · {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        from minping.panels.privacy import mask_phone

        return mask_phone(self.phone)


class Retention(models.Model):
    """The office's recorded decision to keep a pool after its campaign closes, until a date."""

    pool = models.OneToOneField(Pool, models.CASCADE, related_name="retention")
    reason = models.TextField("保留理由")
    delete_on = models.DateField("删除日期")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", auto_now=True)

    class Meta:
        verbose_name = "样本库保留决定"
        verbose_name_plural = "样本库保留决定"

    def __str__(self) -> str:
        return f"{self.pool} 保留至 {self.delete_on}"


class Draw(models.Model):
    """A stratified random draw from a pool for one ballot method and round (R-10, R-11).

    ``seed`` and the frame (the pool's rows in id order, by stratum) give the same
    sample again. A redraw replaces a draw (``in_force`` off, ``replaced_by`` set)
    and records its reason; only one draw per method and round is in force.
    """

    FIXED = "fixed"
    PROPORTIONAL = "proportional"
    ALLOCATIONS = [(FIXED, "各层指定人数"), (PROPORTIONAL, "按比例分配总数")]

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="draws")
    method = models.ForeignKey(Method, models.CASCADE, related_name="draws")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    pool = models.ForeignKey(Pool, models.SET_NULL, null=True, blank=True, related_name="draws")
    # Kept when the pool is deleted, so that the report still says where the sample came from.
    pool_title = models.CharField("样本库", max_length=100)
    seed = models.PositiveBigIntegerField("随机种子")
    allocation = models.CharField("分配方式", max_length=20, choices=ALLOCATIONS)
    total = models.PositiveIntegerField("样本总数", null=True, blank=True)
    # FIXED: the size of every stratum not given one of its own (DrawStratum.requested).
    per_stratum = models.PositiveIntegerField("每层人数", default=0)
    minimum_per_unit = models.PositiveIntegerField("每个单位至少", default=0)
    reserve_percent = models.PositiveSmallIntegerField("备用样本(占样本的百分比)", default=0)
    target = models.PositiveIntegerField("目标有效答卷数(不少于)", default=0)
    frame_size = models.PositiveIntegerField("抽样框人数")
    left_out = models.PositiveIntegerField("未纳入抽样框人数", default=0)
    sample_size = models.PositiveIntegerField("样本人数")
    reserve_size = models.PositiveIntegerField("备用人数")
    frame_digest = models.CharField("抽样框摘要", max_length=64)
    reason = models.TextField("重新抽样的理由", blank=True)
    in_force = models.BooleanField("有效", default=True)
    replaced_by = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    created = models.DateTimeField("抽样时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["campaign", "method", "round", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "round"],
                condition=Q(in_force=True),
                name="one_draw_per_round",
            )
        ]
        verbose_name = "抽样"
        verbose_name_plural = "抽样"

    def __str__(self) -> str:
        return f"{self.method} 第 {self.round} 轮抽样"


class DrawStratum(models.Model):
    """One stratum of a draw (a unit and a category): its frame, sample and reserve sizes."""

    draw = models.ForeignKey(Draw, models.CASCADE, related_name="strata")
    position = models.PositiveIntegerField("顺序")
    # Null: people who named no unit (such as representatives who rate several, R-13).
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    category = models.CharField("类别", max_length=40, blank=True)
    frame = models.PositiveIntegerField("抽样框")
    requested = models.PositiveIntegerField("要求样本数")
    sample = models.PositiveIntegerField("样本数")
    reserve = models.PositiveIntegerField("备用数")

    class Meta:
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="stratum_position"),
        ]
        verbose_name = "抽样分层"
        verbose_name_plural = "抽样分层"

    def __str__(self) -> str:
        return f"{self.unit or '未指定单位'} · {self.category or '未分类'}"


class DrawMember(models.Model):
    """A person a draw chose, in the sample or the reserve, in the order drawn.

    ``respondent`` is DO_NOTHING: deleting a pool deletes its members first
    (``actions.delete_pool_rows``), so a million rows go in two statements rather
    than through Django's collector. ``invited`` says an invitation was issued.
    """

    stratum = models.ForeignKey(DrawStratum, models.CASCADE, related_name="members")
    respondent = models.ForeignKey(
        Respondent, models.DO_NOTHING, related_name="draws", db_index=True
    )
    reserve = models.BooleanField("备用", default=False)
    position = models.PositiveIntegerField("抽中顺序")
    invited = models.BooleanField("已发邀请", default=False)

    class Meta:
        ordering = ["stratum", "reserve", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stratum", "respondent"], name="member_once"),
        ]
        verbose_name = "抽中人员"
        verbose_name_plural = "抽中人员"

    def __str__(self) -> str:
        return f"{self.stratum} · {'备用' if self.reserve else '样本'} {self.position + 1}"


class InvitationBatch(models.Model):
    """One issue of invitations from a draw: how many, how sent, what the letters said."""

    A4, A5 = "A4", "A5"
    PAPERS = [(A4, "A4"), (A5, "A5")]

    draw = models.ForeignKey(Draw, models.CASCADE, related_name="batches")
    reserve = models.BooleanField("备用样本", default=False)
    invitations = models.PositiveIntegerField("发出邀请数")
    already = models.PositiveIntegerField("已有邀请码的人数", default=0)
    letters = models.BooleanField("打印信函", default=False)
    sms = models.BooleanField("发送短信", default=False)
    paper = models.CharField("纸张", max_length=2, choices=PAPERS, default=A4)
    issuer = models.CharField("发函单位", max_length=100)
    verify_phone = models.CharField("核实电话", max_length=40)
    expires = models.DateField("截止日期")
    sms_sent = models.PositiveIntegerField("短信已发出", default=0)
    sms_failed = models.PositiveIntegerField("短信未发出", default=0)
    created = models.DateTimeField("发出时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["draw", "id"]
        verbose_name = "邀请发放记录"
        verbose_name_plural = "邀请发放记录"

    def __str__(self) -> str:
        return f"{self.draw} · {self.invitations} 份"


class StratumInvitation(models.Model):
    """Which stratum an invitation was issued for, so that response is counted per stratum.

    It names no person: the invitation's holder is known only as the keyed hash
    the surveys app keeps, and the invitation names no ballot.
    """

    invitation = models.OneToOneField(
        "surveys.Invitation", models.CASCADE, primary_key=True, related_name="+"
    )
    stratum = models.ForeignKey(DrawStratum, models.CASCADE, related_name="invitations")
    reserve = models.BooleanField("备用样本", default=False)

    class Meta:
        verbose_name = "分层邀请"
        verbose_name_plural = "分层邀请"

    def __str__(self) -> str:
        return str(self.stratum)
