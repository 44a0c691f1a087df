"""The world the access-matrix test runs in, and how each app states its expectations.

Each app with views has ``tests/access_table.py`` holding::

    def build(world: World) -> None      # optional: make the objects its URLs need
    EXPECT: list[Expect]                 # one entry per URL name (and method)

An expectation lists the roles allowed; every other role must be refused.
``liaison`` is the liaison of ``gaj`` (which has the part ``gaj-w1``),
``other_liaison`` the liaison of ``water``: objects a table builds belong
to ``gaj`` so that the two show whether scoping works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User

from minping.campaigns.models import Campaign
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Membership, Role, Unit

ROLES = [
    "anonymous",
    "signed_in",  # a user with no role at all
    "organiser",
    "leader",
    "liaison",
    "other_liaison",
    "inspector",
    "source_member",
    "source_head",
    "interviewer",
    "rater",  # belongs to the water company; scores the police bureau on a sheet
    "approver",  # approves results for the body "province", which the world's campaign names
]
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"organiser", "leader"})
ORGANISER = frozenset({"organiser"})
SIGNED_IN = EVERYONE - {"anonymous"}


@dataclass
class World:
    """Users for every role, a small unit tree and one unpublished campaign whose results
    the body ``province`` approves (its approver is the role ``approver``)."""

    users: dict[str, User]
    agencies: Group
    industries: Group
    gaj: Unit
    gaj_window: Unit
    water: Unit
    campaign: Campaign
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls) -> World:
        agencies = Group.objects.create(code="agencies", name="机关单位")
        industries = Group.objects.create(code="industries", name="重点行业")
        gaj = Unit.objects.create(code="gaj", name="公安局", group=agencies)
        gaj_window = Unit.objects.create(code="gaj-w1", name="户政窗口", parent=gaj)
        water = Unit.objects.create(code="water", name="水务集团", group=industries)
        users = {
            name: User.objects.create_user(name, password=f"password-{name}")
            for name in ROLES
            if name != "anonymous"
        }
        users["organiser"].is_staff = True
        users["organiser"].save()
        grants: list[tuple[str, str, Unit | None, str]] = [
            ("organiser", Role.ORGANISER, None, ""),
            ("leader", Role.LEADER, None, ""),
            ("liaison", Role.LIAISON, gaj, ""),
            ("other_liaison", Role.LIAISON, water, ""),
            ("inspector", Role.INSPECTOR, None, ""),
            ("source_member", Role.SOURCE_MEMBER, None, "media"),
            ("source_head", Role.SOURCE_HEAD, None, "media"),
            ("interviewer", Role.INTERVIEWER, None, ""),
            ("rater", Role.RATER, water, ""),
            ("approver", Role.APPROVER, None, "province"),
        ]
        for name, role, unit, source in grants:
            Membership.objects.create(user=users[name], role=role, unit=unit, source_code=source)
        campaign = make_campaign(
            "matrix-2026", year=2026, approval_code="province", approval_title="省局审定组"
        )
        return cls(users, agencies, industries, gaj, gaj_window, water, campaign)


@dataclass(frozen=True)
class Expect:
    """Who may open one URL; the rest must be refused (403, 404, or sent to sign in)."""

    name: str
    allow: frozenset[str]
    kwargs: Callable[[World], dict[str, Any]] | None = None
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    # The query string or JSON body some endpoints need to say anything at all.
    query: str = ""
    content_type: str | None = None
