"""Who may open the surveys pages: respondents' pages are public, collection is the organiser's."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from minping.orgs.tests.matrix import EVERYONE, ORGANISER, STAFF, Expect, World
from minping.surveys.actions import do_cast_ballot, do_register_kiosk
from minping.surveys.models import Ballot, Channel, Comment
from minping.surveys.tests.helpers import (
    ALL_CHANNELS,
    all_good,
    issue,
    open_collection,
    window_link,
)

INTERVIEWER = frozenset({"interviewer"})


def build(world: World) -> None:
    channels = [str(c) for c in (*ALL_CHANNELS, Channel.ONLINE, Channel.INTERVIEWER)]
    questionnaire = open_collection(world.campaign, channels=channels, rounds=2)
    method = questionnaire.method
    world.extra["invitation_token"] = issue(method, unit=world.gaj, prefix="matrix")[0].token
    link = window_link(method, world.gaj_window)
    world.extra["window"] = link
    world.extra["pair_token"] = do_register_kiosk(None, link, "平板一")[1]
    world.extra["revoked_kiosk"] = do_register_kiosk(None, link, "平板二")[0]
    world.extra["comment"] = Comment.objects.create(
        campaign=world.campaign, unit=world.gaj, date=timezone.localdate(), text="排队太久"
    )
    do_cast_ballot(
        questionnaire=questionnaire,
        channel=Channel.ONLINE,
        responses=[all_good(world.gaj, questionnaire)],
        status=Ballot.Status.QUARANTINED,
        hold_reason="burst",
        category=questionnaire.spec["categories"][0] if questionnaire.spec["categories"] else "",
    )
    world.extra["held"] = Ballot.objects.get(status=Ballot.Status.QUARANTINED)


def _campaign(world: World) -> dict[str, Any]:
    return {"code": world.campaign.code}


def _method(world: World) -> dict[str, Any]:
    return {"code": world.campaign.code, "method": "third_party"}


EXPECT = [
    # Respondents: anyone with the link, signed in or not.
    Expect("surveys:invitation", EVERYONE, lambda w: {"token": w.extra["invitation_token"]}),
    Expect("surveys:code", EVERYONE),
    Expect("surveys:window", EVERYONE, lambda w: {"slug": w.extra["window"].slug}),
    Expect("surveys:kiosk", EVERYONE),
    Expect("surveys:kiosk_thanks", EVERYONE),
    Expect("surveys:kiosk_pair", EVERYONE, lambda w: {"token": w.extra["pair_token"]}),
    Expect("surveys:thanks", EVERYONE),
    Expect("surveys:online", EVERYONE, _method),
    Expect("surveys:online_unit", EVERYONE, lambda w: {**_method(w), "unit": w.gaj.code}),
    Expect(
        "surveys:language",
        EVERYONE,
        method="post",
        data=lambda w: {"language": "en", "next": "/s/thanks/"},
    ),
    # Collection: the organiser acts, leaders read.
    Expect("surveys:manage", STAFF),
    Expect("surveys:campaign", STAFF, _campaign),
    Expect("surveys:comments", STAFF, _campaign),
    Expect("surveys:categories", STAFF, _method),
    Expect("surveys:window_sheet", STAFF, lambda w: {"pk": w.extra["window"].pk}),
    Expect("surveys:invite", ORGANISER, _method),
    Expect("surveys:settings", ORGANISER, _method),
    Expect("surveys:freeze", ORGANISER, _method, method="post"),
    Expect("surveys:windows", ORGANISER, _method, method="post"),
    Expect(
        "surveys:register_kiosk",
        ORGANISER,
        lambda w: {"pk": w.extra["window"].pk},
        method="post",
        data=lambda w: {"name": "平板三"},
    ),
    Expect(
        "surveys:revoke_kiosk",
        ORGANISER,
        lambda w: {"pk": w.extra["revoked_kiosk"].pk},
        method="post",
    ),
    Expect(
        "surveys:mark_comment",
        ORGANISER,
        lambda w: {"pk": w.extra["comment"].pk},
        method="post",
        data=lambda w: {"follow_up": "1"},
    ),
    # Progress monitor: leaders read, the organiser closes a round.
    Expect("surveys:progress", STAFF, _campaign),
    Expect("surveys:progress_live", STAFF, _campaign),
    Expect(
        "surveys:advance_round",
        ORGANISER,
        _method,
        method="post",
        data=lambda w: {"closing": "1"},
    ),
    # Anomaly review: leaders read, the organiser decides.
    Expect("surveys:quarantine", STAFF, _campaign),
    Expect(
        "surveys:decide_ballot",
        ORGANISER,
        lambda w: {"pk": w.extra["held"].pk},
        method="post",
        data=lambda w: {"decision": "reject"},
    ),
    # Interviewer entry.
    Expect("surveys:enter_home", INTERVIEWER),
    Expect("surveys:enter", INTERVIEWER, _method),
]
