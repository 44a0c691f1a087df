"""Who may open the sample library pages: the organiser alone (个人信息保护法).

Leaders read most of the console, but not this: a pool is a list of people's
phone numbers and names, and reading it serves no leader's task (PIPL's
principle of the minimum necessary). The posts here send nothing that would
change anything, so one request per role leaves the world as it was.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone

from minping.orgs.tests.matrix import ORGANISER, Expect, World
from minping.oversight.models import Submission, SubmissionKind, SubmissionRequirement
from minping.panels.actions import do_issue_from_draw
from minping.panels.tests.helpers import draw, fill_pool, phone
from minping.surveys.models import Channel
from minping.surveys.tests.helpers import open_collection


def build(world: World) -> None:
    if not world.campaign.questionnaires.exists():
        open_collection(world.campaign, channels=[str(Channel.INVITATION)])
    method = world.campaign.methods.get(code="third_party")
    with tempfile.TemporaryDirectory() as folder:
        pool = fill_pool(
            Path(folder),
            world.campaign,
            [(phone(i), f"人{i}", "办事群众", "公安局") for i in range(6)],
            title="矩阵样本库",
        )
    world.extra["pool"] = pool
    made = draw(method, pool, per_stratum=2, reserve_percent=50)
    world.extra["draw"] = made
    do_issue_from_draw(
        None,
        made,
        expires=timezone.localdate() + datetime.timedelta(days=10),
        issuer="纠风办",
        verify_phone="0951-6012345",
    )
    requirement = SubmissionRequirement.objects.create(
        campaign=world.campaign,
        kind=SubmissionKind.DUTIES,
        title="服务对象登记表(矩阵)",
        due=timezone.localdate(),
    )
    world.extra["submission"] = Submission.objects.create(
        requirement=requirement, unit=world.gaj, submitted_at=timezone.now()
    )


def _campaign(world: World) -> dict[str, Any]:
    return {"code": world.campaign.code}


def _pool(world: World) -> dict[str, Any]:
    return {"pk": world.extra["pool"].pk}


def _draw(world: World) -> dict[str, Any]:
    return {"pk": world.extra["draw"].pk}


def _nothing(world: World) -> dict[str, Any]:
    return {}


EXPECT = [
    Expect("panels:index", ORGANISER),
    Expect("panels:template", ORGANISER),
    Expect("panels:campaign", ORGANISER, _campaign),
    Expect("panels:responses", ORGANISER, _campaign),
    Expect("panels:draw_new", ORGANISER, _campaign),
    # An empty form: answered 400 for the organiser, refused for everyone else.
    Expect("panels:draw_new", ORGANISER, _campaign, method="post", data=_nothing),
    Expect("panels:pool_new", ORGANISER, _campaign, method="post", data=_nothing),
    Expect("panels:pool", ORGANISER, _pool),
    Expect("panels:people", ORGANISER, _pool),
    Expect("panels:pool_import", ORGANISER, _pool, method="post", data=_nothing),
    Expect("panels:pool_export", ORGANISER, _pool, method="post"),
    Expect("panels:pool_keep", ORGANISER, _pool, method="post", data=_nothing),
    Expect("panels:pool_delete", ORGANISER, _pool, method="post", data=_nothing),
    Expect(
        "panels:accept_list",
        ORGANISER,
        lambda w: {"pk": w.extra["submission"].pk},
        method="post",
        data=_nothing,
    ),
    Expect("panels:draw", ORGANISER, _draw),
    Expect("panels:draw_report", ORGANISER, _draw),
    Expect("panels:draw_people", ORGANISER, _draw),
    Expect("panels:draw_export", ORGANISER, _draw, method="post"),
    Expect("panels:issue", ORGANISER, _draw, method="post", data=_nothing),
    Expect("panels:redraw", ORGANISER, _draw, method="post", data=_nothing),
]
