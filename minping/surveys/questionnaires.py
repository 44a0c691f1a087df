"""What a questionnaire asks, built from the campaign's definition, and checking answers to it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from minping.campaigns.models import Campaign, Method
from minping.campaigns.participation import Participation
from minping.orgs.models import Unit
from minping.surveys.models import CollectionSettings, Questionnaire

COMMENT_MAX = 2000


@dataclass
class UnitResponse:
    """The answers about one unit: ``levels`` maps an indicator code to a scale label."""

    unit: Unit
    levels: dict[str, str]
    comment: str = ""


@dataclass
class Closed:
    """Why a method is not collecting today, in words for the respondent."""

    message: str


@dataclass
class Pickable:
    """The units a respondent may pick from, in the order shown."""

    units: list[Unit] = field(default_factory=list)

    def by_code(self) -> dict[str, Unit]:
        return {unit.code: unit for unit in self.units}


def settings_for(method: Method) -> CollectionSettings:
    """The method's collection settings as stored now, made on first use."""
    settings, _ = CollectionSettings.objects.get_or_create(method=method)
    return settings


def loaded_settings(method: Method) -> CollectionSettings:
    """The settings loaded with ``method`` in this request (no query), else as :func:`settings_for`.

    Only for a method fetched in this request with ``select_related(…collection)``:
    the respondent pages. The cached row is the instance's, so a long-lived method
    would keep reading old settings; actions and pages that change settings use
    :func:`settings_for`, which always reads the stored row.
    """
    try:
        return method.collection
    except CollectionSettings.DoesNotExist:  # select_related found no row yet
        return settings_for(method)


def build_spec(method: Method, settings: CollectionSettings) -> dict[str, Any]:
    """The questionnaire the campaign's definition implies today (R-06, R-07, R-18)."""
    campaign = method.campaign
    spec = {
        "title": f"{campaign.title} · {method.title}",
        # Version 2: only the indicators this method asks (``Method.asked_indicators``).
        "indicators": [
            {"code": item.code, "title": item.title} for item in method.asked_indicators()
        ],
        "levels": [level.label for level in campaign.levels.all()],
        "categories": offered_categories(method, settings),
        "comment": settings.ask_comment,
    }
    # Version 2: whose answers count, said on the questionnaire.
    if said := method.as_definition().respondents_text:
        spec["respondents"] = said
    return spec


def offered_categories(method: Method, settings: CollectionSettings) -> list[str]:
    """The respondent categories a questionnaire offers: the settings' categories the method
    counts (``MethodDef.respondent_refusal``); if it counts none of them, the categories its
    definition names (``respondents``), so that a respondent can still say who they are."""
    definition = method.as_definition()
    offered = [c for c in settings.categories or [] if not definition.respondent_refusal(c)]
    if not offered and definition.respondents:
        return list(definition.respondents)
    return offered


def current_questionnaire(method: Method) -> Questionnaire | None:
    """The newest frozen version, or None while collection has not been opened."""
    # Through the related manager, so the questionnaire's ``method`` is this instance
    # (with whatever it has cached, such as its settings) rather than a fresh query.
    questionnaire: Questionnaire | None = method.questionnaires.order_by("-version").first()
    return questionnaire


def closed_reason(settings: CollectionSettings, today: datetime.date | None = None) -> str:
    """Empty while the method collects; otherwise why not, for the respondent."""
    today = today or timezone.localdate()
    if settings.closed:
        return _("本次评议已经结束,感谢您的关注。")
    if settings.opens and today < settings.opens:
        return _("本次评议将于 %(date)s 开始,请届时再来。") % {"date": settings.opens.isoformat()}
    if settings.closes and today > settings.closes:
        return _("本次评议已于 %(date)s 截止,感谢您的关注。") % {
            "date": settings.closes.isoformat()
        }
    return ""


def pickable_units(
    campaign: Campaign, taking_part: Participation | None = None, method: str | None = None
) -> Pickable:
    """The units the campaign ranks (``campaigns.participation``): what a respondent may say
    they dealt with, and what an invitation may name. Pass ``taking_part`` if it is read.

    With ``method`` (a version-2 definition may say so per method): a department rated
    by the mean of its parts is replaced by its parts, and units the method does not
    cover are left out; in a version-1 campaign the list is the same."""
    taking_part = taking_part or campaign.participation()
    units = Unit.objects.filter(pk__in=taking_part.ids(taking_part.pickable(method)))
    return Pickable(list(units.order_by("group__code", "code")))


def check_responses(
    spec: dict[str, Any], responses: list[UnitResponse], category: str
) -> list[str]:
    """Every problem with a set of answers, in words the respondent understands."""
    problems: list[str] = []
    if not responses:
        problems.append(_("请至少选择一个您办过事的单位。"))
    categories = spec.get("categories") or []
    if categories and category not in categories:
        problems.append(_("请选择您的身份类别。"))
    levels = set(spec["levels"])
    seen: set[int] = set()
    for response in responses:
        if response.unit.pk in seen:
            problems.append(_("“%(unit)s”重复出现。") % {"unit": response.unit.name})
        seen.add(response.unit.pk)
        for item in spec["indicators"]:
            chosen = response.levels.get(item["code"], "")
            if chosen not in levels:
                problems.append(
                    _("请为“%(unit)s”的“%(question)s”选择一个评价。")
                    % {"unit": response.unit.name, "question": item["title"]}
                )
        extra = set(response.levels) - {item["code"] for item in spec["indicators"]}
        if extra:
            problems.append(_("问卷中有不认识的题目,请刷新页面后重新填写。"))
        if len(response.comment) > COMMENT_MAX:
            problems.append(_("意见建议请不超过 %(count)s 字。") % {"count": COMMENT_MAX})
    return problems
