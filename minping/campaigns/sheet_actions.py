"""Score sheets, step by step: each one function, one transaction, one audit entry.

The organiser assigns raters to units (one at a time, or every window to the
others at once), removes an assignment while the sheet is a draft, corrects a
submitted score with a reason, or returns a sheet to its rater; the rater saves a
draft and submits. Rules: ``campaigns.sheets``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from minping.audit.log import record
from minping.campaigns.importers import parse_score
from minping.campaigns.models import Method, MethodScore, ScoreSheet, SheetLine
from minping.campaigns.participation import Participation
from minping.campaigns.sheets import (
    has_imported_scores,
    home_units,
    is_rater,
    mean,
    plain,
    rater_name,
    self_rating,
)
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.orgs.access import is_organiser
from minping.orgs.models import Membership, Role, Unit


def _refuse(message: str) -> InvalidInput:
    return InvalidInput([InputProblem(message)])


def _check_organiser(actor: Any) -> None:
    if not is_organiser(actor):
        raise _refuse("只有组织单位可以这样做")


def _check_method(method: Method, problems: ProblemCollector) -> None:
    if method.input != Method.SCORES:
        problems.add(f"“{method.title}”按答卷计分,不用评分表")
    elif has_imported_scores(method):
        problems.add(
            f"“{method.title}”的得分已从文件导入;同一方法的得分只能来自文件或评分表之一,"
            "不能再指派评分人"
        )


def _check_units(
    taking_part: Participation, homes: list[Unit], units: Iterable[Unit], problems: ProblemCollector
) -> None:
    for unit in units:
        if not taking_part.takes_part(unit.code):
            problems.add(f"{unit.name}不参加本次评议活动")
        elif why := self_rating(taking_part.tree, homes, unit):
            problems.add(why)


def _audit_detail(sheet: ScoreSheet, **more: Any) -> dict[str, Any]:
    return {
        "method": sheet.method.title,
        "rater": sheet.rater.get_username(),
        **more,
    }


def _refresh_scores(method: Method, unit_ids: Iterable[int]) -> None:
    """Set each unit's method score to the mean of the submitted sheets, or none without one."""
    unit_ids = set(unit_ids)
    scores: dict[int, list[Decimal]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, score in SheetLine.objects.filter(
        sheet__method=method,
        sheet__submitted_at__isnull=False,
        unit_id__in=unit_ids,
        score__isnull=False,
    ).values_list("unit_id", "score"):
        if score is not None:
            scores[unit_id].append(score)
    stored = {s.unit_id: s for s in MethodScore.objects.filter(method=method, unit_id__in=unit_ids)}
    for unit_id, values in scores.items():
        value = mean(values)
        current = stored.get(unit_id)
        if value is None:
            if current is not None:
                current.delete()
        elif current is None:
            MethodScore.objects.create(
                campaign_id=method.campaign_id, method=method, unit_id=unit_id, score=value
            )
        elif current.score != value:
            current.score = value
            current.save(update_fields=["score"])


def _locked(sheet: ScoreSheet) -> ScoreSheet:
    """The sheet re-read under a row lock, so two requests never both change it."""
    return ScoreSheet.objects.select_for_update().select_related("method", "rater").get(pk=sheet.pk)


# --- the organiser -----------------------------------------------------------------------


def do_assign(method: Method, rater: Any, units: list[Unit], *, actor: Any) -> int:
    """Put ``units`` on the rater's sheet for ``method``; return how many were new."""
    _check_organiser(actor)
    problems = ProblemCollector()
    _check_method(method, problems)
    if not is_rater(rater):
        problems.add(f"{rater_name(rater)}没有评分人角色,请先在“账号与角色”中授予")
    if not units:
        problems.add("请至少选择一个单位")
    sheet = ScoreSheet.objects.filter(method=method, rater=rater).first()
    if sheet is not None and sheet.submitted:
        problems.add(f"{rater_name(rater)}已提交评分表;要增加单位,请先把评分表退回")
    homes = home_units(rater)
    _check_units(method.campaign.participation(), homes, units, problems)
    problems.raise_if_any()
    with transaction.atomic():
        sheet, _ = ScoreSheet.objects.get_or_create(
            method=method, rater=rater, defaults={"campaign": method.campaign}
        )
        sheet = _locked(sheet)
        if sheet.submitted:
            raise _refuse(f"{rater_name(rater)}刚刚提交了评分表;要增加单位,请先把评分表退回")
        have = set(sheet.lines.values_list("unit_id", flat=True))
        new = [unit for unit in units if unit.pk not in have]
        SheetLine.objects.bulk_create([SheetLine(sheet=sheet, unit=unit) for unit in new])
        record(
            "sheet.assign",
            actor=actor,
            obj=sheet,
            campaign_code=method.campaign.code,
            detail=_audit_detail(sheet, units=[u.name for u in new]),
        )
    return len(new)


@dataclass
class PeerAssignment:
    """What ``do_assign_peers`` did: raters given sheets, units assigned, units with no rater."""

    raters: int = 0
    assigned: int = 0
    without_raters: list[Unit] = field(default_factory=list)


def do_assign_peers(method: Method, units: list[Unit], *, actor: Any) -> PeerAssignment:
    """Window-to-window peer rating: every rater of each chosen unit scores all the others.

    Never their own unit, its parts or the units above it (``sheets.self_rating``).
    """
    _check_organiser(actor)
    problems = ProblemCollector()
    _check_method(method, problems)
    if len(units) < 2:
        problems.add("互评至少要选两个单位")
    taking_part = method.campaign.participation()
    _check_units(taking_part, [], units, problems)
    memberships = Membership.objects.filter(role=Role.RATER, unit__in=units).select_related(
        "user", "unit"
    )
    people = {m.user_id: m.user for m in memberships}
    with_raters = {m.unit_id for m in memberships}
    if units and not people:
        problems.add("所选单位都没有评分人账号:请先在“账号与角色”中给各单位的评分人授予角色")
    plan: dict[int, list[Unit]] = {}
    for user_id, user in people.items():
        homes = home_units(user)
        plan[user_id] = [u for u in units if not self_rating(taking_part.tree, homes, u)]
        submitted = ScoreSheet.objects.filter(method=method, rater=user, submitted_at__isnull=False)
        if submitted.exists():
            problems.add(f"{rater_name(user)}已提交评分表;要增加单位,请先把评分表退回")
    problems.raise_if_any()
    outcome = PeerAssignment(
        raters=len(people), without_raters=[u for u in units if u.pk not in with_raters]
    )
    listed: dict[str, list[str]] = {}
    with transaction.atomic():
        for user_id, targets in plan.items():
            if not targets:
                continue
            sheet, _ = ScoreSheet.objects.get_or_create(
                method=method, rater=people[user_id], defaults={"campaign": method.campaign}
            )
            sheet = _locked(sheet)
            if sheet.submitted:
                raise _refuse(f"{rater_name(sheet.rater)}刚刚提交了评分表,未作任何改动")
            have = set(sheet.lines.values_list("unit_id", flat=True))
            new = [unit for unit in targets if unit.pk not in have]
            SheetLine.objects.bulk_create([SheetLine(sheet=sheet, unit=unit) for unit in new])
            outcome.assigned += len(new)
            listed[sheet.rater.get_username()] = [u.name for u in new]
        record(
            "sheet.assign_peers",
            actor=actor,
            obj=method,
            campaign_code=method.campaign.code,
            detail={
                "method": method.title,
                "units": [u.name for u in units],
                "assigned": listed,
                "without_raters": [u.name for u in outcome.without_raters],
            },
        )
    return outcome


def do_unassign(line: SheetLine, *, actor: Any) -> None:
    """Take a unit off a draft sheet (a sheet left empty goes too)."""
    _check_organiser(actor)
    with transaction.atomic():
        sheet = _locked(line.sheet)
        if sheet.submitted:
            raise _refuse("评分表已提交,不能再取消指派;如有错误,请先把评分表退回")
        record(
            "sheet.unassign",
            actor=actor,
            obj=sheet,
            campaign_code=sheet.method.campaign.code,
            detail=_audit_detail(sheet, unit=line.unit.name, score=plain(line.score)),
        )
        line.delete()
        if not sheet.lines.exists():
            sheet.delete()


def do_correct_score(line: SheetLine, text: str, *, reason: str, actor: Any) -> None:
    """The organiser corrects one score of a submitted sheet, saying why."""
    _check_organiser(actor)
    problems = ProblemCollector()
    score = None
    try:
        score = parse_score(text)
    except ValueError as error:
        problems.add(str(error), column="得分")
    if not reason.strip():
        problems.add("请写明更正的原因", column="原因")
    problems.raise_if_any()
    assert score is not None
    with transaction.atomic():
        sheet = _locked(line.sheet)
        if not sheet.submitted:
            raise _refuse("评分表尚未提交,由评分人自己修改")
        line = SheetLine.objects.select_related("unit").get(pk=line.pk)
        old = line.score
        line.score = score
        line.save(update_fields=["score"])
        _refresh_scores(sheet.method, [line.unit_id])
        record(
            "sheet.correct",
            actor=actor,
            obj=sheet,
            campaign_code=sheet.method.campaign.code,
            detail=_audit_detail(
                sheet, unit=line.unit.name, old=plain(old), new=plain(score), reason=reason.strip()
            ),
        )


def do_reopen(sheet: ScoreSheet, *, reason: str, actor: Any) -> None:
    """Return a submitted sheet to its rater: its scores stop counting until submitted again."""
    _check_organiser(actor)
    if not reason.strip():
        raise InvalidInput([InputProblem("请写明退回的原因", column="原因")])
    with transaction.atomic():
        sheet = _locked(sheet)
        if not sheet.submitted:
            raise _refuse("评分表尚未提交,无需退回")
        sheet.submitted_at = None
        sheet.save(update_fields=["submitted_at"])
        _refresh_scores(sheet.method, sheet.lines.values_list("unit_id", flat=True))
        record(
            "sheet.reopen",
            actor=actor,
            obj=sheet,
            campaign_code=sheet.method.campaign.code,
            detail=_audit_detail(sheet, reason=reason.strip()),
        )


# --- the rater ---------------------------------------------------------------------------


def do_fill(sheet: ScoreSheet, scores: Mapping[int, str], *, actor: Any, submit: bool) -> None:
    """The rater saves their scores (line id → text) as a draft, or submits the sheet.

    A draft may leave units empty; a submitted sheet has every unit scored and is locked.
    """
    if getattr(actor, "pk", None) != sheet.rater_id:
        raise _refuse("只有评分人本人可以填写这张评分表")
    if sheet.method.input != Method.SCORES:  # the definition changed the method since
        raise _refuse(f"“{sheet.method.title}”已改为按答卷计分,这张评分表不再使用")
    lines = list(sheet.lines.select_related("unit"))
    problems = ProblemCollector()
    values: dict[int, Decimal | None] = {}
    for line in lines:
        text = scores.get(line.pk, "").strip()
        if not text:
            values[line.pk] = None
            if submit:
                problems.add(f"{line.unit.name}:还没有打分")
            continue
        try:
            values[line.pk] = parse_score(text)
        except ValueError as error:
            problems.add(f"{line.unit.name}:{error}")
    if submit:
        taking_part = sheet.method.campaign.participation()
        _check_units(taking_part, home_units(actor), [li.unit for li in lines], problems)
    problems.raise_if_any()
    with transaction.atomic():
        sheet = _locked(sheet)
        if sheet.submitted:
            raise _refuse("评分表已提交,不能再修改;如需更正,请联系组织单位")
        for line in lines:
            line.score = values[line.pk]
        SheetLine.objects.bulk_update(lines, ["score"])
        if submit:
            sheet.submitted_at = timezone.now()
            sheet.save(update_fields=["submitted_at"])
            _refresh_scores(sheet.method, [line.unit_id for line in lines])
        record(
            "sheet.submit" if submit else "sheet.save",
            actor=actor,
            obj=sheet,
            campaign_code=sheet.method.campaign.code,
            detail=_audit_detail(
                sheet,
                scores=[
                    {"unit": line.unit.name, "score": plain(values[line.pk])} for line in lines
                ],
            ),
        )
