"""``{{ label|actor_name }}``: who acted, as a reader names them (see console/audit_words.py)."""

from __future__ import annotations

from django import template

from minping.console.audit_words import actor_name as name_of

register = template.Library()


@register.filter
def actor_name(label: str) -> str:
    return name_of(label)
