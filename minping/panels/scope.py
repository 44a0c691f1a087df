"""What a campaign's pool may name: the units it ranks and its respondent categories (R-18)."""

from __future__ import annotations

# R-13's aliases live with the definition, which decides whom a method counts.
from minping.campaigns.categories import REPRESENTATIVE_ROLES, REPRESENTATIVES
from minping.campaigns.models import Campaign, Method
from minping.orgs.models import Unit
from minping.surveys.models import DEFAULT_CATEGORIES, CollectionSettings
from minping.surveys.questionnaires import pickable_units


def stratum_units(campaign: Campaign) -> list[Unit]:
    """The units a respondent's stratum may name: the campaign's ranked units taking part.

    One call, so that the rule of which units a campaign ranks stays where the
    surveys app (and later ``campaigns.participation``) decides it.
    """
    return pickable_units(campaign).units


def campaign_categories(campaign: Campaign) -> list[str]:
    """The respondent categories the campaign's ballot methods ask, in order; else the defaults."""
    found: list[str] = []
    for categories in CollectionSettings.objects.filter(
        method__campaign=campaign, method__input=Method.BALLOTS
    ).values_list("categories", flat=True):
        found.extend(c for c in categories or [] if c not in found)
    return found or list(DEFAULT_CATEGORIES)


def category_aliases(categories: list[str]) -> dict[str, str]:
    """What a file may write for each category: the category itself, and the representatives."""
    aliases = {category: category for category in categories}
    if REPRESENTATIVES in categories:
        aliases.update({role: REPRESENTATIVES for role in REPRESENTATIVE_ROLES})
    return aliases
