"""Cases in every state, made through the actions themselves, on fixed dates."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from minping.cases import actions
from minping.cases.models import Case, State
from minping.orgs.models import Unit

D = datetime.date
# A plain week of March 2026 (no holiday near): registered Mon 16 Mar, worked on Fri 20 Mar.
REGISTERED_ON = D(2026, 3, 16)
TODAY = D(2026, 3, 20)


@contextmanager
def today(day: datetime.date = TODAY) -> Iterator[None]:
    """Pin the actions' idea of today, so deadlines do not depend on when tests run."""
    with mock.patch("minping.cases.actions._today", return_value=day):
        yield


def register(unit: Unit | None = None, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "source": "hotline",
        "summary": "窗口办事推诿,多次往返未办结",
        "details": "户政窗口办理户口迁移,工作人员要求反复补材料。",
        "unit": unit,
        "registered_on": REGISTERED_ON,
        "complainant": {"name": "张三", "phone": "13800000000"},
    }
    values.update(fields)
    return actions.do_register_case(**values)


def case_in(state: str, unit: Unit, organiser: Any, **fields: Any) -> Case:
    """A case driven to ``state`` by the organiser, who may act for the unit too."""
    case = register(unit, **fields)
    if state == State.REGISTERED:
        return case
    if state == State.MERGED:
        other = register(unit)
        return actions.do_merge(case, into=other, actor=organiser)
    actions.do_transfer(case, unit=unit, actor=organiser)
    if state == State.TRANSFERRED:
        return refresh(case)
    actions.do_accept(case, actor=organiser)
    if state == State.ACCEPTED:
        return refresh(case)
    if state == State.EXPLAINED:
        actions.do_explain(case, kind="policy", text="属政策性问题,已向群众解释", actor=organiser)
        return refresh(case)
    actions.do_reply(
        case, facts="属实", handling="已批评教育", measures="一次告知", actor=organiser
    )
    if state == State.REPLIED:
        return refresh(case)
    actions.do_verify(case, actor=organiser)
    if state == State.VERIFIED:
        return refresh(case)
    actions.do_follow_up(case, satisfaction="satisfied", actor=organiser)
    if state == State.FOLLOWED_UP:
        return refresh(case)
    actions.do_close(case, actor=organiser)
    assert state == State.CLOSED
    return refresh(case)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)
