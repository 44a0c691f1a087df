"""State changes of the unit tree, people and roles: each one function, one transaction,
one audit entry. Passwords and secrets never go into the log."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from minping.audit.log import record
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.orgs import totp
from minping.orgs.importers import UnitPlan
from minping.orgs.models import (
    BODY_ROLES,
    Group,
    Membership,
    Role,
    TemporaryPassword,
    TOTPDevice,
    Unit,
)

# The audit entry lists changes one by one up to this many; the counts are always exact.
CHANGES_LISTED = 500


def apply_plan(plan: UnitPlan) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Store a checked plan: new groups, new units, then every unit's name, parent and group.

    Only for ``campaigns.unit_actions.do_import_units``, which records the import.
    """
    Group.objects.bulk_create([Group(code=code, name=code) for code in plan.new_groups])
    group_ids = dict(Group.objects.values_list("code", "id"))
    existing = {unit.code: unit for unit in Unit.objects.select_related("parent", "group")}
    new = [
        Unit(code=code, name=row.name) for code, row in plan.units.items() if code not in existing
    ]
    Unit.objects.bulk_create(new)
    ids = dict(Unit.objects.values_list("code", "id"))
    changes: list[dict[str, str]] = []
    changed: list[Unit] = []
    unchanged = 0
    for code, row in plan.units.items():
        unit = existing.get(code)
        if unit is None:
            unit = Unit(pk=ids[code], code=code, name=row.name)
            changed.append(unit)
        else:
            before = _describe(unit)
            after = {"name": row.name, "parent": row.parent, "group": row.group}
            if row.tags is not None:
                after["tags"] = "、".join(row.tags)
            diff = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
            if not diff:
                unchanged += 1
                continue
            if len(changes) < CHANGES_LISTED:
                changes.extend(
                    {"code": code, "field": k, "old": old, "new": new}
                    for k, (old, new) in diff.items()
                )
            changed.append(unit)
        unit.name = row.name
        unit.parent_id = ids[row.parent] if row.parent else None
        unit.group_id = group_ids[row.group] if row.group else None
        if row.tags is not None:
            unit.tags = list(row.tags)
    Unit.objects.bulk_update(changed, ["name", "parent", "group", "tags"], batch_size=500)
    counts = {
        "created": len(new),
        "updated": len(changed) - len(new),
        "unchanged": unchanged,
        "groups_created": len(plan.new_groups),
    }
    return counts, changes


def _describe(unit: Unit) -> dict[str, str]:
    return {
        "name": unit.name,
        "parent": unit.parent.code if unit.parent else "",
        "group": unit.group.code if unit.group else "",
        "tags": "、".join(unit.tags),
    }


# --- people and roles --------------------------------------------------------------------

# No 0/O or 1/l/I: the password is read out over the phone or copied from paper.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def do_create_user(username: str, *, full_name: str = "", actor: Any) -> tuple[User, str]:
    """Create an account; return it with its first password, shown once to the organiser."""
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput([InputProblem(f"用户名“{username}”已被使用", column="用户名")])
    password = one_time_password()
    with transaction.atomic():
        user = User.objects.create_user(username, password=password, first_name=full_name[:150])
        TemporaryPassword.objects.create(user=user, issued=timezone.localdate())
        record("user.create", actor=actor, obj=user, detail={"username": username})
    return user, password


def do_reset_password(user: User, *, actor: Any) -> str:
    """An organiser resets a password (intranets often have no mail): a new one, shown once."""
    password = one_time_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        TemporaryPassword.objects.update_or_create(
            user=user, defaults={"issued": timezone.localdate()}
        )
        record("user.reset_password", actor=actor, obj=user, detail={"username": user.username})
    return password


def do_change_password(user: User, password: str, *, actor: Any) -> None:
    """A user replaces their password (say the one-time one an organiser gave them)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        TemporaryPassword.objects.filter(user=user).delete()
        record("user.change_password", actor=actor, obj=user, detail={"username": user.username})


def do_grant_role(
    user: User, role: str, *, actor: Any, unit: Unit | None = None, source_code: str = ""
) -> Membership:
    """Give a user a role; a liaison needs a unit, a deduction source's people and an
    approver the body's code.

    A rater may name the unit they belong to (never to be scored by them) or none
    (a member of the leading group)."""
    problems = ProblemCollector()
    if role not in Role.values:
        problems.add(f"没有“{role}”这个角色", column="角色")
    if role == Role.LIAISON and unit is None:
        problems.add("单位联络员必须指定单位", column="单位")
    if role in (Role.SOURCE_MEMBER, Role.SOURCE_HEAD) and not source_code:
        problems.add("减分提出单位的人员必须指定提出单位", column="提出单位或审定机关")
    if role == Role.APPROVER and not source_code:
        problems.add("结果审定人必须指定审定结果的机关", column="提出单位或审定机关")
    problems.raise_if_any()
    if role not in (Role.LIAISON, Role.RATER):
        unit = None
    if role not in BODY_ROLES:
        source_code = ""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, role=role, unit=unit, source_code=source_code
        )
        if not created:
            raise InvalidInput([InputProblem("该用户已有这个角色", column="角色")])
        record(
            "role.grant",
            actor=actor,
            obj=membership,
            detail={
                "username": user.username,
                "role": role,
                "unit": unit.code if unit else "",
                "source": source_code,
            },
        )
    return membership


def do_revoke_role(membership: Membership, *, actor: Any) -> None:
    with transaction.atomic():
        record(
            "role.revoke",
            actor=actor,
            obj=membership,
            detail={
                "username": membership.user.username,
                "role": membership.role,
                "unit": membership.unit.code if membership.unit else "",
                "source": membership.source_code,
            },
        )
        membership.delete()


def do_begin_totp(user: User, *, actor: Any) -> TOTPDevice:
    """Start (or restart) enrolment: a fresh secret that counts only once confirmed."""
    with transaction.atomic():
        device, _ = TOTPDevice.objects.update_or_create(
            user=user, defaults={"secret": totp.new_secret(), "confirmed_at": None, "last_step": 0}
        )
        record("totp.begin", actor=actor, obj=user, detail={"username": user.username})
    return device


def do_confirm_totp(device: TOTPDevice, code: str, *, actor: Any) -> None:
    """Turn the second factor on once the user shows a code from the app."""
    if not totp.check_and_consume(device, code):
        raise InvalidInput(
            [InputProblem("验证码不正确,请输入验证器上最新的 6 位数字", column="验证码")]
        )
    with transaction.atomic():
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        record(
            "totp.confirm", actor=actor, obj=device.user, detail={"username": device.user.username}
        )


def do_remove_totp(user: User, *, actor: Any) -> None:
    """Turn the second factor off (a lost phone: an organiser removes it for the user)."""
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        if deleted:
            record("totp.remove", actor=actor, obj=user, detail={"username": user.username})
