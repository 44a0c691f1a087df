"""The mark a view carries saying who may open it; the access-matrix test reads it.

Only the mark lives here, so that a page with no role to check (the health check)
needs no domain app: who holds which role, and ``require``, are ``orgs.access``,
which marks a view with the roles it lets in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http.response import HttpResponseBase

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])

# The attribute a decorated view carries: PUBLIC, or the roles ``orgs.access.require`` allows.
ACCESS_ATTRIBUTE = "minping_access"
PUBLIC = "public"


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view as open to everyone; it must then scope what it shows itself."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view
