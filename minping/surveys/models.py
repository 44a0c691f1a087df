"""Ballots and their answers, stored so that no ballot leads back to a person.

DESIGN principle 4: a ballot has a random UUID, a date but no time, no address
or device, and no key to any invitation. Answers are in long format (one row a
question) and carry the campaign, method and unit themselves, so that the
database counts them with one ``GROUP BY`` and no join.
"""

from __future__ import annotations

import uuid

from django.db import models

from minping.campaigns.models import Campaign, Indicator, Method, ScaleLevel
from minping.orgs.models import Unit


class Ballot(models.Model):
    """One completed questionnaire (答卷) about one unit on one method.

    Only an accepted ballot counts, and only an accepted ballot has Answer rows:
    a ballot held for review (an anomaly flag, DESIGN issue 3) keeps its answers
    in ``held_answers`` until the organiser releases it, so that scoring never
    needs to look past the Answer table.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "有效"
        QUARANTINED = "quarantined", "待复核"
        REJECTED = "rejected", "已剔除"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One composite index serves every lookup; an index per key would only slow imports.
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="ballots", db_index=False)
    method = models.ForeignKey(Method, models.CASCADE, related_name="ballots", db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ballots", db_index=False)
    date = models.DateField("日期")
    channel = models.CharField("渠道", max_length=20, default="import")
    category = models.CharField("评议主体类别", max_length=40, blank=True)
    # db_default too: imports insert rows with raw SQL that names only the columns they fill.
    status = models.CharField(
        "状态",
        max_length=12,
        choices=Status.choices,
        default=Status.ACCEPTED,
        db_default=Status.ACCEPTED,
    )
    # Why a ballot was held for review (an anomaly's reason code, see surveys/anomalies.py);
    # kept after the decision so the review stays explainable. Never a count or a time.
    hold_reason = models.CharField("复核原因", max_length=20, blank=True, default="", db_default="")
    # {indicator code: level label} while the ballot waits for review, else null.
    held_answers = models.JSONField("待复核的答案", null=True, blank=True)
    # The frozen questionnaire the respondent saw; null for imported ballots.
    questionnaire = models.ForeignKey(
        "Questionnaire",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        db_index=False,
        verbose_name="问卷版本",
    )
    # The survey round (R-10: two rounds of 100); null where the method has no rounds.
    round = models.PositiveSmallIntegerField("轮次", null=True, blank=True)
    # One person's questionnaire that rated several units (version 2: one ballot id over
    # several units in an import): its ballots share this id, so that S-2's ballot count and
    # "100 名群众" count the person once. Set on every ballot a version-2 import stores and
    # on those of one online questionnaire over several units; null otherwise.
    sheet = models.UUIDField("问卷(一人一份)", null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["campaign", "method", "unit", "status"], name="ballot_cmus")
        ]
        verbose_name = "答卷"
        verbose_name_plural = "答卷"

    def __str__(self) -> str:
        return f"{self.unit} · {self.method} · {self.date}"


class Answer(models.Model):
    """One answer on a ballot: the level chosen for one indicator."""

    # Millions of rows: the unique constraint covers ``ballot`` and the tally index
    # covers the rest, so the keys get no index of their own (each would slow imports).
    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="answers", db_index=False)
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="+", db_index=False)
    method = models.ForeignKey(Method, models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", db_index=False)
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="answers", db_index=False)
    level = models.ForeignKey(ScaleLevel, models.PROTECT, related_name="answers", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "indicator"], name="one_answer_per_indicator")
        ]
        # Covers the scoring GROUP BY, so the database can count from the index alone.
        indexes = [
            models.Index(
                fields=["campaign", "method", "unit", "indicator", "level"], name="answer_tally"
            )
        ]
        verbose_name = "答案"
        verbose_name_plural = "答案"

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.level_id}"


class Comment(models.Model):
    """What a respondent wrote in the questionnaire's free-text box (意见建议).

    Staff may mark a comment as a problem to follow up (R-26); the cases app
    then registers a case from it and writes the case number back here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.OneToOneField(
        Ballot, models.CASCADE, null=True, blank=True, related_name="comment"
    )
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="comments")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="comments")
    date = models.DateField("日期")
    text = models.TextField("意见建议")
    follow_up = models.BooleanField("需要跟进处理", default=False)
    case_number = models.CharField("已登记的问题编号", max_length=40, blank=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = "意见建议"
        verbose_name_plural = "意见建议"

    def __str__(self) -> str:
        return f"{self.unit} · {self.text[:20]}"


class Channel(models.TextChoices):
    """How a ballot reached us; a method's collection settings say which apply."""

    INVITATION = "invitation", "邀请码"
    WINDOW = "window", "窗口扫码"
    KIOSK = "kiosk", "窗口评价终端"
    ONLINE = "online", "网上公开评议"
    INTERVIEWER = "interviewer", "访问员代录"
    IMPORT = "import", "文件导入"
    # A ballot entered by an interviewer carries how it was collected; the settings
    # allow both through INTERVIEWER.
    PHONE_INTERVIEW = "phone_interview", "电话访问"
    PAPER = "paper", "纸质问卷"


# Ballot channels that a settings channel stands for.
SETTINGS_CHANNEL: dict[str, str] = {
    Channel.PHONE_INTERVIEW: Channel.INTERVIEWER,
    Channel.PAPER: Channel.INTERVIEWER,
}


# the respondent categories the source documents name.
DEFAULT_CATEGORIES = [
    "办事群众",
    "企业办事人员",
    "社区居民",
    "农村居民",
    "机关干部",
    "市场主体",
    "两代表一委员",
]


def default_categories() -> list[str]:
    return list(DEFAULT_CATEGORIES)


class CollectionSettings(models.Model):
    """How one ballot method collects (kept here so the campaigns app stays the definition).

    ``channels`` lists :class:`Channel` values; targets are ballots per unit.
    """

    method = models.OneToOneField(
        Method, models.CASCADE, related_name="collection", verbose_name="评议方法"
    )
    channels = models.JSONField("适用渠道", default=list, blank=True)
    categories = models.JSONField("评议主体类别", default=default_categories, blank=True)
    # {category: accepted ballots wanted per unit}; a category without one has none.
    category_quotas = models.JSONField("类别配额(每单位)", default=dict, blank=True)
    ask_comment = models.BooleanField("附意见建议栏", default=True)
    target = models.PositiveIntegerField("每个单位的目标答卷数", default=0)
    rounds = models.PositiveSmallIntegerField("调查轮次", default=1)
    round_target = models.PositiveIntegerField("每轮每单位目标答卷数", default=0)
    current_round = models.PositiveSmallIntegerField("当前轮次", default=1)
    opens = models.DateField("开始日期", null=True, blank=True)
    closes = models.DateField("截止日期", null=True, blank=True)
    closed = models.BooleanField("已停止收集", default=False)
    # 一次一评 at a window: one ballot per device (its cookie) or per kiosk per this many seconds.
    window_interval = models.PositiveIntegerField("扫码评价间隔(秒)", default=120)
    kiosk_interval = models.PositiveIntegerField("评价终端间隔(秒)", default=15)

    class Meta:
        verbose_name = "收集设置"
        verbose_name_plural = "收集设置"

    def __str__(self) -> str:
        return f"{self.method} · {'、'.join(self.channel_labels) or '未开通渠道'}"

    @property
    def channel_labels(self) -> list[str]:
        """The channels by the names pages use."""
        names = dict(Channel.choices)
        return [names.get(c, "其他渠道") for c in self.channels]

    def accepts(self, channel: str) -> bool:
        return channel in self.channels


class Questionnaire(models.Model):
    """A frozen version of a method's questionnaire (问卷), made when collection opens.

    ``spec`` holds what respondents see and what a ballot is checked against:
    ``{"title", "indicators": [{"code", "title"}], "levels": [label, ...],
    "categories": [...], "comment": bool}``. It never changes: a change to the
    campaign makes a new version, and ballots keep the version they answered.
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="questionnaires")
    method = models.ForeignKey(Method, models.CASCADE, related_name="questionnaires")
    version = models.PositiveSmallIntegerField("版本")
    spec = models.JSONField("问卷内容")
    created = models.DateField("生成日期")

    class Meta:
        ordering = ["method", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["method", "version"], name="questionnaire_version")
        ]
        verbose_name = "问卷版本"
        verbose_name_plural = "问卷版本"

    def __str__(self) -> str:
        return f"{self.method} 第 {self.version} 版"

    @property
    def indicator_codes(self) -> list[str]:
        return [item["code"] for item in self.spec["indicators"]]


class Invitation(models.Model):
    """A single-use invitation (邀请码) to answer one method's questionnaire.

    Only hashes are kept: of the link token, of the short code, and of the
    holder's identity (so one person holding several representative roles
    gets one invitation per campaign, R-13). Dates only, and no used date at
    all: it would equal the ballot's date. Nothing here names a ballot.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="invitations")
    method = models.ForeignKey(Method, models.CASCADE, related_name="invitations")
    # Null: the respondent picks the unit(s) they dealt with.
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    # Fixed for the holder (such as 两代表一委员); blank: the respondent says.
    category = models.CharField("评议主体类别", max_length=40, blank=True)
    token_hash = models.CharField("链接摘要", max_length=64, unique=True)
    code_hash = models.CharField("短码摘要", max_length=64, unique=True)
    holder_key = models.CharField("持有人摘要", max_length=64)
    issued = models.DateField("发放日期")
    expires = models.DateField("有效期至")
    used = models.BooleanField("已使用", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "holder_key"], name="one_invitation_per_holder"
            )
        ]
        verbose_name = "邀请码"
        verbose_name_plural = "邀请码"

    def __str__(self) -> str:
        return f"{self.method} · 有效期至 {self.expires}"


class SubmissionKey(models.Model):
    """A form's one-time key, stored with the ballot it brought: a retry finds it and stops.

    The key names no ballot; a retry only learns that its form was taken.
    """

    key = models.CharField(primary_key=True, max_length=64)
    date = models.DateField()

    class Meta:
        verbose_name = "已提交的表单"
        verbose_name_plural = "已提交的表单"

    def __str__(self) -> str:
        return self.key


class WindowLink(models.Model):
    """The QR code on a service window's sheet (R-12): anyone who did business there rates it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="window_links")
    method = models.ForeignKey(Method, models.CASCADE, related_name="window_links")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="window_links")
    slug = models.CharField("链接码", max_length=32, unique=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["method", "unit"], name="window_link_per_unit")
        ]
        verbose_name = "窗口评价码"
        verbose_name_plural = "窗口评价码"

    def __str__(self) -> str:
        return f"{self.unit} · {self.method}"


class Kiosk(models.Model):
    """A tablet at a window, locked to it by a signed cookie set through a one-time pairing link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    window = models.ForeignKey(WindowLink, models.CASCADE, related_name="kiosks")
    name = models.CharField("设备名称", max_length=100)
    pairing_hash = models.CharField("配对链接摘要", max_length=64, unique=True)
    paired = models.BooleanField("已配对", default=False)
    revoked = models.BooleanField("已停用", default=False)
    created = models.DateField("登记日期")

    class Meta:
        ordering = ["window", "name"]
        verbose_name = "评价终端"
        verbose_name_plural = "评价终端"

    def __str__(self) -> str:
        return f"{self.name} · {self.window.unit}"


class RatedPhone(models.Model):
    """A phone that has rated a unit in a campaign through the open online channel (R-14).

    Only a keyed hash of the number, and no date, no time, no link to the
    ballot: the unique constraint is all that makes "one ballot per phone per
    unit per campaign" true (DESIGN principle 4).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    phone_key = models.CharField("手机号摘要", max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "phone_key"], name="one_ballot_per_phone_unit"
            )
        ]
        verbose_name = "已评手机号"
        verbose_name_plural = "已评手机号"

    def __str__(self) -> str:
        return f"{self.unit} · {self.phone_key[:8]}"


class InterviewerTally(models.Model):
    """How many ballots an interviewer entered on one day for one method (accountability).

    Counted after the ballots' own transaction, and never naming a ballot.
    """

    user = models.ForeignKey("auth.User", models.PROTECT, related_name="+")
    method = models.ForeignKey(Method, models.CASCADE, related_name="+")
    date = models.DateField("日期")
    ballots = models.PositiveIntegerField("录入份数", default=0)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["user", "method", "date"], name="tally_per_day")
        ]
        verbose_name = "访问员录入统计"
        verbose_name_plural = "访问员录入统计"

    def __str__(self) -> str:
        return f"{self.user} · {self.date} · {self.ballots}"
