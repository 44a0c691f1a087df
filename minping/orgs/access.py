"""Who may see what (DESIGN principle 3): the one place that decides.

Every view says who may open it with :func:`require` or :func:`public`, and
every object a view shows is fetched through a helper that checks access in
the same call, so a view cannot forget to filter. The access-matrix test
(``orgs/tests/test_access_matrix.py``) fails for a view that does neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

# The mark itself is lib's (a page such as the health check needs no roles); it is
# named here too, as every view imports ``require`` and ``public`` from this module.
from minping.lib.access import ACCESS_ATTRIBUTE as ACCESS_ATTRIBUTE
from minping.lib.access import PUBLIC as PUBLIC
from minping.lib.access import ViewFunc
from minping.lib.access import public as public
from minping.orgs.models import Membership, Role, Unit

# Roles that see every unit; everyone else sees only what a membership grants.
SEES_ALL_UNITS = frozenset({Role.ORGANISER, Role.LEADER})


def roles_of(user: Any) -> frozenset[str]:
    """The roles a user holds; a superuser is an organiser. Cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_minping_roles", None)
    if cached is None:
        held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        if user.is_superuser:
            held.add(Role.ORGANISER)
        cached = frozenset(held)
        user._minping_roles = cached
    return cached


def has_role(user: Any, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_organiser(user: Any) -> bool:
    return has_role(user, Role.ORGANISER)


def unit_ids_with_parts(unit_ids: Iterable[int]) -> set[int]:
    """The given units and all their parts, however deep (windows of a department, R-03)."""
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in Unit.objects.filter(parent__isnull=False).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(unit_id)
    seen: set[int] = set()
    stack = list(unit_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id not in seen:
            seen.add(unit_id)
            stack.extend(children.get(unit_id, ()))
    return seen


def visible_unit_ids(user: Any) -> set[int] | None:
    """Ids of the units a user may see, or None when the user sees every unit."""
    if roles_of(user) & SEES_ALL_UNITS:
        return None
    if not getattr(user, "is_authenticated", False):
        return set()
    # A page may scope several querysets; read the tree once per request (like roles_of).
    cached: frozenset[int] | None = getattr(user, "_minping_unit_ids", None)
    if cached is None:
        own = Membership.objects.filter(user=user, role=Role.LIAISON).values_list(
            "unit_id", flat=True
        )
        cached = frozenset(unit_ids_with_parts(uid for uid in own if uid is not None))
        user._minping_unit_ids = cached
    return set(cached)


def visible_units(user: Any) -> QuerySet[Unit]:
    """Units a user may see: all for organisers and leaders, a liaison's unit and its parts."""
    ids = visible_unit_ids(user)
    units = Unit.objects.all()
    return units if ids is None else units.filter(id__in=ids)


def scope_to_units(queryset: QuerySet[Any], user: Any, field: str = "unit") -> QuerySet[Any]:
    """Filter any queryset with a unit foreign key down to what the user may see."""
    ids = visible_unit_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{field}_id__in": ids})


def source_codes(user: Any, *roles: str) -> set[str]:
    """The deduction sources (such as ``media``) a user acts for in the given roles."""
    if not getattr(user, "is_authenticated", False):
        return set()
    wanted = roles or (Role.SOURCE_MEMBER, Role.SOURCE_HEAD)
    return set(
        Membership.objects.filter(user=user, role__in=wanted).values_list("source_code", flat=True)
    )


def get_unit_for_user(request: HttpRequest, code: str) -> Unit:
    """Fetch a unit the user may see, or 404: an unseen unit is not even said to exist."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404("没有这个单位")
    ids = visible_unit_ids(request.user)
    if ids is not None and unit.id not in ids:
        raise Http404("没有这个单位")
    return unit


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    """The page shown to a signed-in user who lacks the role a page needs."""
    context = {"message": message or "您的账号没有查看此页面的权限。"}
    return render(request, "orgs/forbidden.html", context, status=403)


def require(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """Let a view be opened only by users holding one of ``roles``.

    Anonymous visitors are sent to sign in; signed-in users without the role
    get a 403 page that says so in plain words.
    """
    if not roles:
        raise ValueError("require() needs at least one role; use public() for open pages")

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                return forbidden(request)
            return view(request, *args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, frozenset(roles))
        return wrapped  # type: ignore[return-value]

    return decorator
