"""Filters for the report wording templates (``templates/reports/analysis``, ``…/card``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

register = template.Library()

DIGITS = "零一二三四五六七八九"


@register.filter
def cn(number: Any) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一: heading numbers such as 一、 and (二)."""
    try:
        n = int(number)
    except (TypeError, ValueError):
        return str(number)
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else DIGITS[tens]) + "十" if tens else ""
    return text + (DIGITS[ones] if ones else "")


@register.filter
def joined(items: Iterable[Any], separator: str = "、") -> str:
    """Items joined the Chinese way: 公安局、水务集团 (empty: "无")."""
    parts = [str(item) for item in items]
    return separator.join(parts) if parts else "无"
