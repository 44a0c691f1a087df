"""Reports made in the background: an analysis report or a ZIP of report cards, and how far along.

A job is the small stored progress record the report page polls; its files are
kept in the upload storage (never under a public URL) and served only through
the views that check who may have them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from minping.campaigns.models import Campaign
from minping.oversight.storage import upload_storage
from minping.scoring.models import ResultSnapshot

# Longer than the slowest single step (laying out the PDF of 1,000 units' cards,
# docs/performance.md) so that a job is never called cut off while it works.
STALE_SECONDS = 15 * 60


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        ANALYSIS = "analysis", "分析报告"
        CARDS_PDF = "cards_pdf", "全部单位成绩单(PDF)"
        CARDS_DOCX = "cards_docx", "全部单位成绩单(Word)"

    class State(models.TextChoices):
        QUEUED = "queued", "排队等待"
        RUNNING = "running", "正在生成"
        DONE = "done", "已完成"
        FAILED = "failed", "未能生成"

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="report_jobs")
    snapshot = models.ForeignKey(ResultSnapshot, models.CASCADE, related_name="report_jobs")
    kind = models.CharField("内容", max_length=20, choices=Kind.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Progress: ``done`` of ``total`` steps (sections, or cards), and what is being done now.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step = models.CharField("进度说明", max_length=200, blank=True)
    error = models.TextField("未能生成的原因", blank=True)
    # Written with every step of progress: a running job whose heartbeat stopped was cut off
    # (the worker killed, the server restarted) and is shown as interrupted.
    heartbeat = models.DateTimeField("最近进展", null=True, blank=True)
    docx = models.FileField(storage=upload_storage, upload_to="reports/%Y/", blank=True)
    pdf = models.FileField(storage=upload_storage, upload_to="reports/%Y/", blank=True)
    archive = models.FileField(storage=upload_storage, upload_to="reports/%Y/", blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "报告生成任务"
        verbose_name_plural = "报告生成任务"

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.get_kind_display()} · {self.get_state_display()}"

    @property
    def interrupted(self) -> bool:
        """Running, but no step of progress for longer than any step takes: cut off."""
        if self.state != self.State.RUNNING:
            return False
        last = self.heartbeat or self.requested_at
        return (timezone.now() - last).total_seconds() > STALE_SECONDS

    @property
    def finished(self) -> bool:
        """Nothing more will happen to it: made, failed, or cut off (ask for a new one)."""
        return self.state in (self.State.DONE, self.State.FAILED) or self.interrupted

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class ScreenLink(models.Model):
    """A link the organiser issues for the hall screen (大屏) of a campaign, until revoked.

    Only the SHA-256 of the link's secret is stored: the full address is shown once,
    when it is issued, so a copy of the database opens no screen.
    """

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="screen_links")
    label = models.CharField("放置地点", max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField("发放时间", auto_now_add=True)
    revoked_at = models.DateTimeField("收回时间", null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = "大屏链接"
        verbose_name_plural = "大屏链接"

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.label}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
