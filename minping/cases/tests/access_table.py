"""Who may open each cases page; objects belong to ``gaj`` so other units' liaisons are refused."""

from __future__ import annotations

import datetime

from minping.cases import actions
from minping.cases.models import LedgerItem
from minping.orgs.tests.matrix import EVERYONE, ORGANISER, STAFF, Expect, World

UNIT_STAFF = STAFF | {"liaison"}  # the organiser, leaders, and gaj's liaison
KEEPERS = ORGANISER | {"liaison"}  # who keeps a unit's ledger


def build(world: World) -> None:
    case = actions.do_register_case(
        source="hotline",
        summary="户政窗口推诿",
        unit=world.gaj,
        registered_on=datetime.date(2026, 3, 16),
        complainant={"name": "张三", "phone": "13800000000"},
    )
    actions.do_transfer(case, unit=world.gaj, actor=None)
    item = LedgerItem.objects.create(
        unit=world.gaj,
        case=case,
        problem="推诿",
        measure="一次告知",
        responsible="李四",
        due_on=datetime.date(2026, 4, 30),
    )
    world.extra["case"] = case.number
    world.extra["ledger_item"] = item.pk


def _case(world: World) -> dict[str, str]:
    return {"number": world.extra["case"]}


EXPECT = [
    # A liaison sees the list (only their unit's cases, possibly none).
    Expect("cases:list", allow=UNIT_STAFF | {"other_liaison"}),
    Expect("cases:intake", allow=ORGANISER),
    Expect("cases:comments", allow=ORGANISER),
    Expect("cases:api-keys", allow=ORGANISER),
    Expect("cases:report", allow=EVERYONE),
    Expect("cases:check", allow=EVERYONE),
    Expect("cases:stats", allow=STAFF),
    Expect("cases:stats-xlsx", allow=STAFF),
    Expect("cases:propose-overdue", allow=ORGANISER, method="post"),
    Expect("cases:ledger", allow=UNIT_STAFF, kwargs=lambda w: {"unit_code": "gaj"}),
    Expect("cases:ledger-xlsx", allow=UNIT_STAFF, kwargs=lambda w: {"unit_code": "gaj"}),
    Expect("cases:ledger-add", allow=KEEPERS, kwargs=lambda w: {"unit_code": "gaj"}, method="post"),
    Expect(
        "cases:ledger-update",
        allow=KEEPERS,
        kwargs=lambda w: {"pk": w.extra["ledger_item"]},
        method="post",
    ),
    Expect("cases:detail", allow=UNIT_STAFF, kwargs=_case),
    Expect("cases:card", allow=UNIT_STAFF, kwargs=_case),
    Expect("cases:card-docx", allow=UNIT_STAFF, kwargs=_case),
    Expect("cases:card-pdf", allow=UNIT_STAFF, kwargs=_case),
    # Only organisers open a complainant's identity.
    Expect(
        "cases:reveal",
        allow=ORGANISER,
        kwargs=_case,
        method="post",
        data=lambda w: {"reason": "回访"},
    ),
    Expect(
        "cases:act",
        allow=UNIT_STAFF,
        kwargs=lambda w: {"number": w.extra["case"], "action": "accept"},
        method="post",
    ),
]
