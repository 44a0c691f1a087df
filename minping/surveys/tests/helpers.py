"""Shared by the surveys tests: a campaign collecting through chosen channels."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from minping.campaigns.models import Campaign, Method
from minping.orgs.models import Unit
from minping.surveys.actions import (
    Holder,
    IssuedInvitation,
    do_create_window_links,
    do_freeze_questionnaire,
    do_issue_invitations,
)
from minping.surveys.models import Channel, Questionnaire, WindowLink
from minping.surveys.questionnaires import UnitResponse, settings_for

ALL_CHANNELS = [Channel.INVITATION, Channel.WINDOW, Channel.KIOSK]


def open_collection(
    campaign: Campaign, method_code: str = "third_party", **settings: Any
) -> Questionnaire:
    """Turn the method's channels on and freeze its questionnaire, as the organiser would."""
    method = campaign.methods.get(code=method_code)
    collection = settings_for(method)
    collection.channels = settings.pop("channels", [str(c) for c in ALL_CHANNELS])
    for name, value in settings.items():
        setattr(collection, name, value)
    collection.save()
    return do_freeze_questionnaire(None, method)


def issue(
    method: Method,
    count: int = 1,
    *,
    unit: Unit | None = None,
    category: str = "",
    days: int = 30,
    prefix: str = "p",
) -> list[IssuedInvitation]:
    holders = [Holder(f"代表{i}", f"{prefix}-{i}") for i in range(count)]
    expires = timezone.localdate() + datetime.timedelta(days=days)
    return do_issue_invitations(
        None, method, holders, expires=expires, unit=unit, category=category
    ).issued


def window_link(method: Method, unit: Unit) -> WindowLink:
    return next(link for link in do_create_window_links(None, method, [unit]) if link.unit == unit)


def all_good(unit: Unit, questionnaire: Questionnaire, comment: str = "") -> UnitResponse:
    """Every indicator answered with the top level."""
    top = questionnaire.spec["levels"][0]
    return UnitResponse(unit, {code: top for code in questionnaire.indicator_codes}, comment)


def form_for(questionnaire: Questionnaire, level: str = "好", **extra: str) -> dict[str, str]:
    """A questionnaire post for one unit, every indicator at ``level``."""
    data = {f"u0-{code}": level for code in questionnaire.indicator_codes}
    data.update({"step": "answer", "category": "办事群众", "key": "k" * 32})
    data.update(extra)
    return data
