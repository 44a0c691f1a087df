"""The navigation each role sees in the top bar (base.html)."""

from __future__ import annotations

from typing import Any

from django import template

from minping.orgs.access import roles_of
from minping.orgs.models import Role

register = template.Library()

# (label, path, roles that see it), in the order shown.
LINKS: list[tuple[str, str, frozenset[str]]] = [
    ("工作台", "/console/", frozenset({Role.ORGANISER, Role.LEADER})),
    ("评议活动", "/console/campaigns/", frozenset({Role.ORGANISER, Role.LEADER})),
    ("问卷收集", "/s/manage/", frozenset({Role.ORGANISER, Role.LEADER})),
    ("样本库", "/console/panels/", frozenset({Role.ORGANISER})),
    ("审核", "/console/oversight/review/", frozenset({Role.ORGANISER, Role.LEADER})),
    ("导入数据", "/console/imports/", frozenset({Role.ORGANISER, Role.LEADER})),
    ("账号", "/console/users/", frozenset({Role.ORGANISER})),
    ("审计日志", "/console/audit/", frozenset({Role.ORGANISER, Role.LEADER})),
    ("本单位", "/console/portal/", frozenset({Role.LIAISON})),
    ("问题线索", "/cases/", frozenset({Role.LIAISON, Role.ORGANISER, Role.LEADER})),
    ("减分", "/console/oversight/deductions/", frozenset({Role.SOURCE_MEMBER, Role.SOURCE_HEAD})),
    ("明查暗访", "/console/oversight/inspections/", frozenset({Role.INSPECTOR})),
    ("评分表", "/console/sheets/", frozenset({Role.RATER})),
]


@register.simple_tag(takes_context=True)
def nav_links(context: Any) -> list[tuple[str, str]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    return [(label, path) for label, path, who in LINKS if roles & who]
