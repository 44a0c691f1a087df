"""Problems raised by the public and their rectification (R-26..R-33).

A case (问题线索) is registered from any channel, transferred to the
responsible unit on a registration-and-transfer card (登记转办卡), answered,
verified, followed up with the complainant and closed (销号). Every change is
an action in ``actions.py`` that writes one ``CaseEvent``: the timeline.

The complainant's identity lives in ``Complainant``, a separate table that
only organisers open (DESIGN principle 4); units see ``Case.pseudonym``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minping.campaigns.models import Campaign
from minping.orgs.models import Unit


class Source(models.TextChoices):
    """Where a problem came from (R-26)."""

    HOTLINE = "hotline", "政风行风热线"
    HOTLINE_12345 = "12345", "12345热线"
    WEB = "web", "网上投诉"
    INSPECTION = "inspection", "明查暗访"
    COMMENT = "comment", "问卷意见"
    MEDIA = "media", "媒体报道"
    EVALUATOR = "evaluator", "评议员/监督员"
    REPRESENTATIVE = "representative", "评议代表"
    FORUM = "forum", "座谈会"
    OTHER = "other", "其他系统"


class State(models.TextChoices):
    REGISTERED = "registered", "已登记"
    TRANSFERRED = "transferred", "已转办"
    ACCEPTED = "accepted", "已受理"
    REPLIED = "replied", "已答复"
    EXPLAINED = "explained", "已说明"
    VERIFIED = "verified", "已核实"
    FOLLOWED_UP = "followed_up", "已回访"
    CLOSED = "closed", "已销号"
    MERGED = "merged", "已合并"


# A case in neither state is still open (is_open, and the open-case counts and lists).
FINISHED_STATES = (State.CLOSED, State.MERGED)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    NOT_SATISFIED = "not_satisfied", "不满意"


class ExplanationKind(models.TextChoices):
    NOT_NOW = "not_now", "一时无条件解决(已制订整改计划)"
    POLICY = "policy", "政策性问题(已作出说明)"


class Counter(models.Model):
    """The last number handed out per series (case numbers, card numbers), per year."""

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Case(models.Model):
    """One problem or complaint, from registration to closing (销号)."""

    number = models.CharField("编号", max_length=20, unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    # The system that sent the case through the API; it alone reads the case back there.
    api_key = models.ForeignKey(
        "ApiKey",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="接入系统",
    )
    # The calling system's own id; (api_key, external_id) makes API intake idempotent.
    external_id = models.CharField("来源系统编号", max_length=100, blank=True)
    # A keyed hash of what the system sent, so that a retry is told from a different case
    # reusing the id (empty: not sent through the API, or sent before this was kept).
    intake_fingerprint = models.CharField("接入内容指纹", max_length=64, blank=True)
    summary = models.CharField("问题摘要", max_length=200)
    details = models.TextField("详细情况", blank=True)
    unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="责任单位",
    )
    campaign = models.ForeignKey(
        Campaign,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="评议活动",
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REGISTERED)
    pseudonym = models.CharField("投诉人代号", max_length=20)
    anonymous = models.BooleanField("匿名", default=False)
    check_code_hash = models.CharField("查询码(散列)", max_length=200, blank=True)

    registered_on = models.DateField("登记日期")
    deadline_workdays = models.PositiveSmallIntegerField("办理时限(工作日)", default=5)
    # The deadline without extensions: extensions may add at most one month to it.
    original_due_on = models.DateField("原定期限", null=True, blank=True)
    due_on = models.DateField("办理期限", null=True, blank=True)
    overdue = models.BooleanField("已超期", default=False)
    overdue_since = models.DateField("超期日期", null=True, blank=True)

    card_number = models.CharField("转办卡编号", max_length=30, blank=True)
    recommendation = models.TextField("整改建议书", blank=True)
    recommendation_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="整改建议书批准人",
    )
    recommendation_approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    transferred_on = models.DateField("转办日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)

    reply_facts = models.TextField("调查核实情况", blank=True)
    reply_handling = models.TextField("处理情况", blank=True)
    reply_measures = models.TextField("整改措施", blank=True)
    explanation_kind = models.CharField(
        "说明类型", max_length=20, choices=ExplanationKind.choices, blank=True
    )
    replied_on = models.DateField("答复日期", null=True, blank=True)
    replied_late = models.BooleanField("超期答复", default=False)
    # An overdue reply feeds at most one deduction proposal (R-33 → R-20).
    overdue_deduction_proposed = models.BooleanField("已提出超期减分", default=False)
    verified_on = models.DateField("核实日期", null=True, blank=True)
    satisfaction = models.CharField(
        "回访结果", max_length=20, choices=Satisfaction.choices, blank=True
    )
    followed_up_on = models.DateField("回访日期", null=True, blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)

    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name="合并到",
    )
    repeat_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name="二次投诉所指的原问题",
    )
    is_repeat = models.BooleanField("二次投诉", default=False)
    # Set once a repeat suggestion was looked at and rejected, so it is not suggested again.
    repeat_dismissed = models.BooleanField("已排除二次投诉", default=False)

    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    # The plain check code, only on the object returned by registration; never stored.
    check_code = ""

    class Meta:
        # Numbers are not sequential (see do_register_case), so the id keeps the order of entry.
        ordering = ["-registered_on", "-id"]
        verbose_name = "问题线索"
        verbose_name_plural = "问题线索"
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_api_key_external_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES


class Complainant(models.Model):
    """Who complained: only organisers open this table, and every opening is logged (R-32)."""

    case = models.OneToOneField(Case, models.CASCADE, related_name="complainant")
    name = models.CharField("姓名", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    email = models.CharField("电子邮箱", max_length=200, blank=True)

    class Meta:
        verbose_name = "投诉人身份"
        verbose_name_plural = "投诉人身份"
        indexes = [models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.case.number} 投诉人"


class CaseEvent(models.Model):
    """One step in a case's history, written by the action that made it."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=40)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"

    def __str__(self) -> str:
        return f"{self.case.number} {self.action}"

    @property
    def label(self) -> str:
        from minping.cases.actions import EVENT_LABELS

        return EVENT_LABELS.get(self.action, self.action)


class Extension(models.Model):
    """A unit's request for more time, decided by the organiser (R-28)."""

    class Decision(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "不同意"

    case = models.ForeignKey(Case, models.CASCADE, related_name="extensions")
    workdays = models.PositiveSmallIntegerField("延长工作日")
    reason = models.TextField("延期理由")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_on = models.DateField("申请日期")
    decision = models.CharField(
        "审批结果", max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("审批日期", null=True, blank=True)
    new_due_on = models.DateField("延期后期限", null=True, blank=True)

    class Meta:
        ordering = ["requested_on", "id"]
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"

    def __str__(self) -> str:
        return f"{self.case.number} 延期 {self.workdays} 个工作日"


class LedgerItem(models.Model):
    """One line of a unit's rectification ledger (整改销号台账, R-30)."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ledger_items")
    case = models.ForeignKey(
        Case, models.SET_NULL, null=True, blank=True, related_name="ledger_items"
    )
    problem = models.TextField("存在问题")
    measure = models.TextField("整改措施")
    responsible = models.CharField("责任人", max_length=100)
    due_on = models.DateField("完成时限")
    progress = models.TextField("整改进展", blank=True)
    feedback = models.TextField("反馈情况", blank=True)
    struck_off_on = models.DateField("销号日期", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "struck_off_on", "due_on", "id"]
        verbose_name = "整改台账事项"
        verbose_name_plural = "整改台账"

    def __str__(self) -> str:
        return f"{self.unit} · {self.problem[:20]}"


class ApiKey(models.Model):
    """The key one outside system (a 12345 platform) uses to send cases; only its hash is kept."""

    source = models.CharField("来源", max_length=20, choices=Source.choices)
    name = models.CharField("系统名称", max_length=100)
    prefix = models.CharField("密钥前缀", max_length=12, unique=True)
    key_hash = models.CharField("密钥散列", max_length=64, unique=True)
    active = models.BooleanField("有效", default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"

    def __str__(self) -> str:
        return f"{self.name}({self.prefix}…)"
