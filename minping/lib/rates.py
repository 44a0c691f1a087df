"""Rates as people read them: percentages to one decimal, rounded half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rate(part: int, whole: int | None) -> Decimal | None:
    """``part ÷ whole`` in per cent, 0.1 half up; None without a denominator."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def as_percent(value: Decimal | None) -> str:
    """``33.3%``, or "—" where there is no rate."""
    return "—" if value is None else f"{value}%"
