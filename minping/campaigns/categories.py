"""Respondent categories (评议主体类别, R-13, R-18): what a file or a ballot may call one.

Pure, so that the definition file's reader and the scoring engine can use it as the
importers do. R-13: party-congress delegates, people's-congress deputies and CPPCC
members are one category, 两代表一委员 (a person holding several roles rates once;
duplicates go by phone), so a file may name any of them.
"""

from __future__ import annotations

REPRESENTATIVES = "两代表一委员"
REPRESENTATIVE_ROLES = ("党代表", "人大代表", "政协委员", "两代表", "两代表一委员")


def canonical_category(category: str) -> str:
    """The category a written name stands for: a representative's role is 两代表一委员."""
    name = category.strip()
    return REPRESENTATIVES if name in REPRESENTATIVE_ROLES else name
