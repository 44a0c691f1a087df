"""Score sheets (评分表, R-16, R-17): the rules, in one place.

Leading-group, window-to-window peer and daily assessments are scored by people
the organiser appoints (raters). The rules:

- A sheet belongs to one rater and one method whose input is scores; its lines
  are the units the organiser assigned; the rater gives each a score from 0 to
  100 (one score per unit, as a scores file gives one per method and unit).
- **A unit never rates itself.** A rater who belongs to a unit — its liaison, or
  a rater whose role names the unit — never scores that unit, a unit under it
  (its windows) or a unit above it (its department): either would count towards
  the rater's own unit. Checked when the organiser assigns and again at submit.
- A unit's score on the method is the **mean of its scores on the submitted
  sheets**, kept to 4 decimals (rounded half-up) as an imported score is; drafts
  do not count. It is stored as the method's ``MethodScore``, the very row an
  import of scores writes, so the engine sees sheets and imports alike.
- A method's scores come from sheets or from a scores file, never both: once a
  method has a sheet, importing scores for it is refused; a method with imported
  scores cannot be given sheets.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from minping.campaigns.models import Method, MethodScore, ScoreSheet
from minping.campaigns.participation import UnitTree
from minping.orgs.models import Membership, Role, Unit

SCORE_PLACES = Decimal("0.0001")  # MethodScore keeps 4 decimals


def rater_name(user: Any) -> str:
    """How a rater is named on pages: the full name when the organiser gave one."""
    return str(user.first_name or user.get_username())


def raters() -> QuerySet[User]:
    """Every account holding the rater role, by user name."""
    return User.objects.filter(memberships__role=Role.RATER).distinct().order_by("username")


def is_rater(user: Any) -> bool:
    return Membership.objects.filter(user=user, role=Role.RATER).exists()


def home_units(user: Any) -> list[Unit]:
    """The units a person belongs to: those they are liaison of, or named on their rater role."""
    return list(
        Unit.objects.filter(
            memberships__user=user,
            memberships__role__in=[Role.LIAISON, Role.RATER],
        ).distinct()
    )


def self_rating(tree: UnitTree, homes: Iterable[Unit], unit: Unit) -> str:
    """Why scoring ``unit`` would be rating one's own unit (a sentence), or "" when it is not."""
    above_unit = {u.code for u in tree.chain(unit.code)[1:]}
    for home in homes:
        if unit.code == home.code:
            relation = "本单位"
        elif home.code in above_unit:
            relation = f"{home.name}的下属单位"
        elif unit.code in {u.code for u in tree.chain(home.code)[1:]}:
            relation = f"{home.name}的上级单位"
        else:
            continue
        return f"评分人属于{home.name},不能给{unit.name}({relation})评分:单位不给自己评分"
    return ""


def takes_sheets(method: Method) -> bool:
    """Whether the method's scores come from score sheets (then no file may import them)."""
    return ScoreSheet.objects.filter(method=method).exists()


def methods_with_sheets(methods: Iterable[Method]) -> set[int]:
    """The ids of those ``methods`` whose scores come from sheets, in one query."""
    ids = [m.pk for m in methods]
    return set(ScoreSheet.objects.filter(method_id__in=ids).values_list("method_id", flat=True))


def has_imported_scores(method: Method) -> bool:
    """Scores stored for a method without sheets can only have come from a file."""
    return not takes_sheets(method) and MethodScore.objects.filter(method=method).exists()


def mean(scores: Iterable[Decimal]) -> Decimal | None:
    """The mean of the submitted scores, to 4 decimals half-up; None without any."""
    values = list(scores)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(SCORE_PLACES, ROUND_HALF_UP)


def plain(value: Decimal | None) -> str:
    """86.5 rather than 86.5000; "" for no score."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
