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
