"""Shared by the panels tests: a campaign collecting by invitation, and pools filled in bulk."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minping.campaigns.models import Campaign, Method
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.panels.actions import DrawPlan, do_create_pool, do_import_pool, do_make_draw
from minping.panels.models import Draw, Pool
from minping.surveys.models import Channel
from minping.surveys.tests.helpers import open_collection

HEADER = ["手机号", "姓名", "类别", "单位", "区县"]


def collecting_campaign(code: str = "pool-2026", **settings: Any) -> tuple[Campaign, Method]:
    """A campaign whose ``third_party`` method collects through invitations."""
    campaign = make_campaign(code, year=2026, groups=["agencies", "industries"])
    settings.setdefault("channels", [str(Channel.INVITATION)])
    questionnaire = open_collection(campaign, **settings)
    return campaign, questionnaire.method


def units(count: int, group: Group, prefix: str = "u") -> list[Unit]:
    return [
        Unit.objects.create(code=f"{prefix}{i:03d}", name=f"单位{prefix}{i:03d}", group=group)
        for i in range(count)
    ]


def phone(n: int) -> str:
    """A valid mainland mobile number for person ``n``."""
    return f"139{n:08d}"


def write_csv(folder: Path, rows: Sequence[Sequence[Any]], name: str = "pool.csv") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path = folder / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def fill_pool(
    folder: Path,
    campaign: Campaign,
    people: Sequence[tuple[str, str, str, str]],
    title: str = "服务对象样本库",
) -> Pool:
    """A pool from (phone, name, category, unit name) rows, imported as a clerk would."""
    pool = do_create_pool(None, campaign, title)
    rows = [HEADER, *[[p, n, c, u, "兴庆区"] for p, n, c, u in people]]
    do_import_pool(None, pool, write_csv(folder, rows, f"{title}.csv"))
    return pool


def draw(method: Method, pool: Pool, **plan: Any) -> Draw:
    seed = plan.pop("seed", 20260701)
    round_no = plan.pop("round", 1)
    plan.setdefault("allocation", Draw.FIXED)
    return do_make_draw(None, method, pool, DrawPlan(**plan), round=round_no, seed=seed)
