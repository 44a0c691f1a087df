"""What a campaign's pool may name: the units it ranks and its respondent categories (R-18)."""

from __future__ import annotations

from minping.campaigns.models import Campaign, Method
from minping.orgs.models import Unit
from minping.surveys.models import DEFAULT_CATEGORIES, CollectionSettings
from minping.surveys.questionnaires import pickable_units

# the three kinds of representative are one category; a person holding several
# roles is one person (duplicates go by phone), so a file may name any of them.
REPRESENTATIVES = "两代表一委员"
REPRESENTATIVE_ROLES = ("党代表", "人大代表", "政协委员", "两代表", "两代表一委员")


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
