"""Text helpers for templates."""

import re

from django import template

register = template.Library()

# Titles in plans carry their explanation in brackets: 问卷评议(集中评议阶段……).
BRACKETED = re.compile(r"\s*[((].*$")


@register.filter
def short_title(title: str) -> str:
    """The title without its bracketed explanation, for narrow table headers."""
    return BRACKETED.sub("", title) or title
