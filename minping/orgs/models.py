"""The unit tree (R-01) and the ranking groups (R-02).

Units are global: a campaign names the groups that take part and may leave
single units out (R-05) without removing them from the tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models


class Group(models.Model):
    """A ranking group (排名组别): units in one group are ranked against each other."""

    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = "排名组别"
        verbose_name_plural = "排名组别"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit appraised (评议对象): a department, a service window, a station.

    A unit with no group is not ranked itself: it is a part of its parent
    (a window or a station), or a container whose children are ranked.
    """

    code = models.CharField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级单位",
    )
    group = models.ForeignKey(
        Group,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name="排名组别",
    )
    # Words that say something of the unit a plan may select by (“进驻市民大厅”): a
    # version-2 method's ``covers_attribute`` rates the units that carry one of them.
    tags = models.JSONField("属性", default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "评议对象"
        verbose_name_plural = "评议对象"

    def __str__(self) -> str:
        return self.name

    @property
    def ranked(self) -> bool:
        return self.group_id is not None

    def ancestors(self) -> Iterator[Unit]:
        unit = self.parent
        while unit is not None:
            yield unit
            unit = unit.parent


class Role(models.TextChoices):
    """What a person does in the appraisal; each role sees and does only its part."""

    ORGANISER = "organiser", "组织单位(纠风办)"
    LEADER = "leader", "领导(只读)"
    LIAISON = "liaison", "单位联络员"
    INSPECTOR = "inspector", "评议员/监督员"
    SOURCE_MEMBER = "source_member", "减分提出单位经办人"
    SOURCE_HEAD = "source_head", "减分提出单位负责人"
    INTERVIEWER = "interviewer", "调查机构访问员"
    RATER = "rater", "评分人(领导小组成员、互评窗口人员等)"
    APPROVER = "approver", "结果审定机关审定人"


# Roles held for a body's code (``Membership.source_code``): a deduction source such as
# ``media``, or the body that approves a campaign's results (its ``[approval] code``).
BODY_ROLES = (Role.SOURCE_MEMBER, Role.SOURCE_HEAD, Role.APPROVER)


class Membership(models.Model):
    """One role held by one user, scoped to a unit or a deduction source where the role needs it.

    A liaison holds it for a unit and sees that unit and all its parts; a
    deduction source's people hold it for the source's code (such as
    ``media``), which is the same across campaigns, and an approver for the code
    of the body that approves results (a campaign's ``[approval] code``). A rater may
    name the unit they belong to (a window's staff in peer rating): it sees nothing by
    that, but the rater may never score that unit, its parts or the units above it.
    """

    user = models.ForeignKey(
        "auth.User", models.CASCADE, related_name="memberships", verbose_name="用户"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="单位",
    )
    source_code = models.SlugField("提出单位或审定机关代码", max_length=64, blank=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit", "source_code"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="liaison") | models.Q(unit__isnull=False),
                name="membership_liaison_has_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["source_member", "source_head"])
                | ~models.Q(source_code=""),
                name="membership_source_has_code",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="approver") | ~models.Q(source_code=""),
                name="membership_approver_has_code",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit_id and self.unit else self.source_code
        label = self.get_role_display()
        return f"{self.user} · {label}" + (f" · {scope}" if scope else "")


class TOTPDevice(models.Model):
    """An organiser's authenticator app (TOTP): once confirmed, signing in asks for its code."""

    user = models.OneToOneField(
        "auth.User", models.CASCADE, related_name="totp_device", verbose_name="用户"
    )
    secret = models.CharField("密钥", max_length=64)
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    # The last time step accepted, so that a code seen over a shoulder cannot be replayed.
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "动态口令"
        verbose_name_plural = "动态口令"

    def __str__(self) -> str:
        return f"{self.user} · {'已启用' if self.confirmed_at else '待确认'}"


class TemporaryPassword(models.Model):
    """A password an organiser set (a new account or a reset), to be replaced at first sign-in.

    While the row exists the user can sign in but do nothing else until they choose
    their own password (``orgs.middleware.TemporaryPasswordMiddleware``).
    """

    user = models.OneToOneField(
        "auth.User",
        models.CASCADE,
        primary_key=True,
        related_name="temporary_password",
        verbose_name="用户",
    )
    issued = models.DateField("发放日期")

    class Meta:
        verbose_name = "临时密码"
        verbose_name_plural = "临时密码"

    def __str__(self) -> str:
        return f"{self.user} · {self.issued:%Y-%m-%d} 发放,待本人修改"
