"""Fetching the sample library's objects. Only the organiser opens these pages (个人信息保护法):
the views say so with ``@require(Role.ORGANISER)``; these helpers answer 404 for what is not there.
"""

from __future__ import annotations

from django.http import Http404

from minping.campaigns.models import Campaign
from minping.oversight.models import Submission
from minping.panels.models import Draw, Pool


def get_campaign(code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404("没有这个评议活动")
    return campaign


def get_pool(pk: int) -> Pool:
    pool = Pool.objects.select_related("campaign").filter(pk=pk).first()
    if pool is None:
        raise Http404("没有这个样本库(可能已经删除)")
    return pool


def get_draw(pk: int) -> Draw:
    draw = Draw.objects.select_related("campaign", "method", "pool").filter(pk=pk).first()
    if draw is None:
        raise Http404("没有这次抽样")
    return draw


def get_submission(pk: int) -> Submission:
    submission = (
        Submission.objects.select_related("unit", "requirement__campaign").filter(pk=pk).first()
    )
    if submission is None:
        raise Http404("没有这份报送材料")
    return submission
