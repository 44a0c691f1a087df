"""Template filters naming what campaign definitions name by code."""

from __future__ import annotations

from django import template

from minping.campaigns import bodies

register = template.Library()


@register.filter
def body_name(code: str) -> str:
    """``{{ membership.source_code|body_name }}``: 媒体, not ``media``."""
    return bodies.body_name(code)
