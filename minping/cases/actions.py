"""Every state change of a case: one function, one transaction, one event, one audit entry.

``TRANSITIONS`` is the state machine: which action may run in which state,
where it leads and who may take it. Each ``do_*`` checks it through
:func:`_begin` and refuses with :class:`CaseActionRefused` (a Chinese message)
before changing anything. The tests iterate over the table.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from minping.audit import log
from minping.campaigns.models import Campaign, DeductionRule
from minping.cases.models import (
    ApiKey,
    Case,
    CaseEvent,
    Complainant,
    Counter,
    ExplanationKind,
    Extension,
    LedgerItem,
    Satisfaction,
    Source,
    State,
)
from minping.lib.models import office_calendar
from minping.lib.workdays import CalendarMissing
from minping.orgs.access import has_role, visible_unit_ids
from minping.orgs.models import Membership, Role, Unit
from minping.oversight.actions import NotAllowed, do_propose_deduction
from minping.oversight.models import Deduction, Visit

# R-28: solve and answer within 5 working days.
DEFAULT_DEADLINE_WORKDAYS = 5
# Pseudonyms avoid letters and digits that elderly readers confuse (0/O, 1/I).
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COMPLAINANT_FIELDS = ("name", "phone", "address", "email")

ORGANISER = "organiser"
LEADER = "leader"
UNIT = "unit"  # a liaison of the case's unit (or a unit above it)


class CaseActionRefused(Exception):
    """An action that is not allowed now; the message says why, in Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    # None: the state stays as it is (a recommendation, an extension, a confirmed repeat).
    target: str | None
    # Who may take it besides the system itself (actor=None: the CLI or a task).
    by: frozenset[str]


def _t(label: str, sources: Iterable[str], target: str | None, *by: str) -> Transition:
    return Transition(label, frozenset(sources), target, frozenset(by))


OPEN_BEFORE_REPLY = {State.REGISTERED, State.TRANSFERRED, State.ACCEPTED}
ALL_BUT_MERGED = {s.value for s in State} - {State.MERGED}

TRANSITIONS: dict[str, Transition] = {
    "draft_recommendation": _t("拟写整改建议书", {State.REGISTERED}, None, ORGANISER),
    # R-27: the recommendation is approved by a leader before the case is transferred.
    "approve_recommendation": _t("批准整改建议书", {State.REGISTERED}, None, LEADER),
    "transfer": _t("转办", {State.REGISTERED}, State.TRANSFERRED, ORGANISER),
    "accept": _t("受理", {State.TRANSFERRED}, State.ACCEPTED, ORGANISER, UNIT),
    "return": _t(
        "退回(不属本单位职责)",
        {State.TRANSFERRED, State.ACCEPTED},
        State.REGISTERED,
        ORGANISER,
        UNIT,
    ),
    "request_extension": _t("申请延期", {State.TRANSFERRED, State.ACCEPTED}, None, ORGANISER, UNIT),
    "decide_extension": _t("审批延期", {State.TRANSFERRED, State.ACCEPTED}, None, ORGANISER),
    "reply": _t("答复", {State.ACCEPTED}, State.REPLIED, ORGANISER, UNIT),
    "explain": _t("作出说明", {State.ACCEPTED}, State.EXPLAINED, ORGANISER, UNIT),
    "send_back": _t("退回重办", {State.REPLIED, State.EXPLAINED}, State.ACCEPTED, ORGANISER),
    "verify": _t("核实", {State.REPLIED, State.EXPLAINED}, State.VERIFIED, ORGANISER),
    # Not satisfied reopens the case: the target is then ACCEPTED (see do_follow_up).
    "follow_up": _t("回访", {State.VERIFIED}, State.FOLLOWED_UP, ORGANISER),
    "close": _t("销号", {State.FOLLOWED_UP}, State.CLOSED, ORGANISER),
    "merge": _t("合并重复件", OPEN_BEFORE_REPLY, State.MERGED, ORGANISER),
    "confirm_repeat": _t("确认二次投诉", ALL_BUT_MERGED, None, ORGANISER),
    "dismiss_repeat": _t("排除二次投诉", ALL_BUT_MERGED, None, ORGANISER),
}


# What the timeline calls each event: the transitions, and the steps no one chooses.
EVENT_LABELS = {
    "register": "登记",
    "overdue": "超期",
    "propose_overdue_deduction": "提出超期减分",
    **{name: t.label for name, t in TRANSITIONS.items()},
}


def allowed_actions(case: Case, actor: Any) -> list[str]:
    """The actions ``actor`` may take on ``case`` now, for the buttons on its page."""
    return [name for name in TRANSITIONS if _refusal(case, name, actor) is None]


def _refusal(case: Case, action: str, actor: Any) -> str | None:
    transition = TRANSITIONS[action]
    if case.state not in transition.sources:
        states = "、".join(State(s).label for s in sorted(transition.sources))
        return (
            f"问题 {case.number} 当前状态为“{State(case.state).label}”,不能{transition.label}"
            f"(只有{states}的问题可以{transition.label})。"
        )
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None if actor is None else "请先登录。"
    if ORGANISER in transition.by and has_role(actor, Role.ORGANISER):
        return None
    if LEADER in transition.by and has_role(actor, Role.LEADER):
        return None
    if UNIT in transition.by and case.unit_id is not None:
        ids = visible_unit_ids(actor)
        if ids is not None and case.unit_id in ids and has_role(actor, Role.LIAISON):
            return None
    who = {ORGANISER: "组织单位", LEADER: "领导", UNIT: "责任单位联络员"}
    names = "或".join(who[b] for b in sorted(transition.by))
    return f"只有{names}可以{transition.label}。"


def _begin(case: Case, action: str, actor: Any) -> tuple[Case, str]:
    """Lock the case, refuse the action if it is not allowed; return the fresh row and old state."""
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    reason = _refusal(fresh, action, actor)
    if reason:
        raise CaseActionRefused(reason)
    return fresh, fresh.state


def _finish(
    case: Case,
    action: str,
    actor: Any,
    old_state: str,
    *,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """Save the case, write its timeline event and the audit entry."""
    case.save()
    event = CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=log.actor_label(actor),
        action=action,
        from_state=old_state,
        to_state=case.state,
        note=note,
    )
    log.record(
        f"case.{action}",
        actor=actor,
        obj=case,
        campaign_code=case.campaign.code if case.campaign_id and case.campaign else "",
        detail={"number": case.number, "from": old_state, "to": case.state, **(detail or {})},
    )
    return event


def _today() -> datetime.date:
    return timezone.localdate()


def _next_number(key: str) -> int:
    counter, _ = Counter.objects.select_for_update().get_or_create(key=key)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _new_case_number(day: datetime.date) -> str:
    """The year and eight random digits, e.g. 2026-40718253.

    Not a running count: a complainant holding two numbers cannot tell how many
    problems came in between, and nobody can guess another complainant's number
    to try check codes on it (about 10⁵ cases a year among 10⁸ numbers).
    """
    while True:
        number = f"{day.year}-{secrets.randbelow(10**8):08d}"
        if not Case.objects.filter(number=number).exists():
            return number


def due_date(start: datetime.date, workdays: int) -> datetime.date:
    """The deadline: the ``workdays``-th working day after ``start`` (R-28).

    Raises CaseActionRefused with the calendar's message for a year nobody knows.
    """
    try:
        return office_calendar().add_workdays(start, workdays)
    except CalendarMissing as missing:
        raise CaseActionRefused(str(missing)) from None


def add_one_month(day: datetime.date) -> datetime.date:
    """The same day next month, or the month's last day when it has none (1-31 → 2-28)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _text(value: str, label: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise CaseActionRefused(f"请填写{label}。")
    if limit and len(value) > limit:
        raise CaseActionRefused(f"{label}不能超过 {limit} 个字(现为 {len(value)} 个字)。")
    return value


# --- registration -----------------------------------------------------------------------------


def do_register_case(
    *,
    source: str,
    summary: str,
    details: str = "",
    unit: Unit | None = None,
    campaign: Campaign | None = None,
    actor: Any = None,
    complainant: dict[str, str] | None = None,
    external_id: str = "",
    api_key: ApiKey | None = None,
    fingerprint: str = "",
    registered_on: datetime.date | None = None,
    deadline_workdays: int = DEFAULT_DEADLINE_WORKDAYS,
    note: str = "",
) -> Case:
    """Register a problem from any channel (R-26). The returned case carries ``check_code``.

    ``complainant`` may hold name, phone, address and email; without any of
    them the complaint is anonymous. The plain check code (for the public
    progress page) exists only on the returned object; only its hash is kept.
    ``actor`` is the user, or a ``log.Agent`` for the public and other systems.
    """
    if source not in Source.values:
        raise CaseActionRefused(f"来源“{source}”不在可选范围内。")
    summary = (summary or "").strip()
    if len(summary) > 200 and not (details or "").strip():
        # A caller handing a long text as the summary (an inspection's findings) keeps it whole.
        summary, details = summary[:60] + "……", summary
    summary = _text(summary, "问题摘要", 200)
    external_id = (external_id or "").strip()
    if len(external_id) > 100:
        raise CaseActionRefused("来源系统编号不能超过 100 个字符。")
    if not 1 <= deadline_workdays <= 30:
        raise CaseActionRefused("办理时限应为 1 至 30 个工作日。")
    identity = {k: (complainant or {}).get(k, "").strip() for k in COMPLAINANT_FIELDS}
    day = registered_on or _today()
    check_code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        case = Case(
            number=_new_case_number(day),
            source=source,
            api_key=api_key,
            external_id=external_id,
            intake_fingerprint=fingerprint,
            summary=summary,
            details=(details or "").strip(),
            unit=unit,
            campaign=campaign,
            pseudonym="投诉人" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(4)),
            anonymous=not any(identity.values()),
            registered_on=day,
            deadline_workdays=deadline_workdays,
        )
        case.check_code_hash = hash_check_code(case.number, check_code)
        case.save()
        if not case.anonymous:
            Complainant.objects.create(case=case, **identity)
        CaseEvent.objects.create(
            case=case,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=log.actor_label(actor),
            action="register",
            to_state=case.state,
            note=note or f"来源:{Source(source).label}",
        )
        log.record(
            "case.register",
            actor=actor,
            obj=case,
            campaign_code=campaign.code if campaign else "",
            detail={
                "number": case.number,
                "source": source,
                "external_id": external_id,
                **({"api_key": api_key.prefix} if api_key else {}),
                "unit": unit.code if unit else "",
                "anonymous": case.anonymous,
            },
        )
    case.check_code = check_code
    return case


class IntakeConflict(CaseActionRefused):
    """An id the system already used for a case, sent again with other content."""

    def __init__(self, message: str, case: Case) -> None:
        self.case = case
        super().__init__(message)


def intake_fingerprint(payload: dict[str, Any]) -> str:
    """A keyed hash of what a system sent: a retry is told from another case under the same id.

    Keyed with SECRET_KEY because the payload holds the complainant's phone: a plain
    hash in a copy of the database would give it back to anyone who tries the numbers.
    """
    message = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def do_intake(
    *, api_key: ApiKey, external_id: str, fingerprint: str, **fields: Any
) -> tuple[Case, bool]:
    """Register a case sent by another system, once: a retry returns the same case.

    Returns (case, created). Idempotent per key on ``external_id``, also when two
    requests race (the loser's insert hits the unique constraint and it then
    returns the winner's case). Another key's ids are another system's: they
    never meet. The same id with a different ``fingerprint`` is refused with
    :class:`IntakeConflict`: the first case stays as it was, nothing is added.
    The source is the key's; the actor is the key's system, named in the log.
    """
    external_id = (external_id or "").strip()
    if not external_id:
        raise CaseActionRefused("请提供来源系统编号(external_id),以免重复登记。")
    mine = Case.objects.filter(api_key=api_key)
    existing = mine.filter(external_id=external_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                case = do_register_case(
                    source=api_key.source,
                    external_id=external_id,
                    api_key=api_key,
                    fingerprint=fingerprint,
                    actor=api_actor(api_key),
                    **fields,
                )
                return case, True
        except IntegrityError:
            existing = mine.filter(external_id=external_id).first()
            if existing is None:
                raise
    # Cases taken before fingerprints were kept have none: a resend is taken as a retry.
    if existing.intake_fingerprint and existing.intake_fingerprint != fingerprint:
        raise IntakeConflict(
            f"来源系统编号“{external_id}”已用于问题 {existing.number},这次提交的内容与当时不同,"
            "未作登记。新问题请使用新的编号;需要更正原问题的,请联系组织单位。"
            f" / external_id “{external_id}” was already used for case {existing.number} with "
            "different content; nothing was registered. Use a new external_id for a new case.",
            existing,
        )
    return existing, False


def api_actor(api_key: ApiKey) -> log.Agent:
    """How a system sending cases with its key is named in the log and the timeline."""
    return log.Agent(f"{api_key.name}(接口)")


# The public, reporting on the web form without an account.
PUBLIC_WEB = log.Agent("群众(网上)")


def do_register_from_comment(comment: Any, *, actor: Any = None) -> Case:
    """Register a case from a questionnaire comment marked for follow-up; write the number back."""
    from minping.surveys.models import Comment

    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if not locked.follow_up:
            raise CaseActionRefused("这条意见没有标记为需要跟进处理。")
        if locked.case_number:
            raise CaseActionRefused(f"这条意见已登记为问题 {locked.case_number}。")
        text = locked.text.strip()
        case = do_register_case(
            source=Source.COMMENT,
            summary=text[:60] or "问卷意见",
            details=text,
            unit=locked.unit,
            campaign=locked.campaign,
            actor=actor,
            note=f"来自问卷意见({locked.date})",
        )
        locked.case_number = case.number
        locked.save(update_fields=["case_number"])
    comment.case_number = case.number
    return case


def do_register_from_visit(visit: Visit, *, actor: Any) -> Case:
    """Turn an inspection's findings into a case for the unit to rectify (R-15, R-26), once.

    The visit keeps the case's number, so a second press registers nothing. Here and
    not in ``oversight``: cases already propose deductions there (R-31), so the two
    apps depend one way only.
    """
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.case_reference:
            raise CaseActionRefused(f"这次走访发现的问题已转为问题线索 {locked.case_reference}。")
        case = do_register_case(
            source=Source.INSPECTION,
            summary=locked.findings,
            unit=locked.unit,
            campaign=locked.campaign,
            actor=actor,
        )
        locked.case_reference = case.number
        locked.save(update_fields=["case_reference"])
        log.record(
            "visit.to_case",
            actor=actor,
            obj=locked,
            campaign_code=locked.campaign.code,
            detail={"case": case.number},
        )
    visit.case_reference = case.number
    return case


def hash_check_code(number: str, code: str) -> str:
    """A keyed hash: a copy of the database alone does not let anyone try the million codes."""
    message = f"{number}:{code.strip()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def check_code_matches(case: Case, code: str) -> bool:
    return bool(case.check_code_hash) and hmac.compare_digest(
        case.check_code_hash, hash_check_code(case.number, code)
    )


# --- transfer -----------------------------------------------------------------------------------


def do_draft_recommendation(case: Case, *, text: str, actor: Any) -> Case:
    """Write the rectification recommendation (整改建议书); it needs a leader's approval (R-27)."""
    text = _text(text, "整改建议书内容")
    with transaction.atomic():
        case, old = _begin(case, "draft_recommendation", actor)
        case.recommendation = text
        case.recommendation_approved_by = None
        case.recommendation_approved_at = None
        _finish(case, "draft_recommendation", actor, old, note=text)
    return case


def do_approve_recommendation(case: Case, *, actor: Any) -> Case:
    with transaction.atomic():
        case, old = _begin(case, "approve_recommendation", actor)
        if not case.recommendation:
            raise CaseActionRefused("还没有整改建议书,无需批准。")
        if case.recommendation_approved_at:
            raise CaseActionRefused("整改建议书已经批准过了。")
        case.recommendation_approved_by = actor if getattr(actor, "pk", None) else None
        case.recommendation_approved_at = timezone.now()
        _finish(case, "approve_recommendation", actor, old)
    return case


def do_transfer(
    case: Case, *, unit: Unit, actor: Any, deadline_workdays: int | None = None
) -> Case:
    """Transfer to the responsible unit on a numbered card; the deadline runs from registration."""
    with transaction.atomic():
        case, old = _begin(case, "transfer", actor)
        if case.recommendation and not case.recommendation_approved_at:
            raise CaseActionRefused("整改建议书尚未经领导批准,不能转办。")
        if deadline_workdays is not None:
            if not 1 <= deadline_workdays <= 30:
                raise CaseActionRefused("办理时限应为 1 至 30 个工作日。")
            case.deadline_workdays = deadline_workdays
        case.due_on = case.original_due_on = due_date(case.registered_on, case.deadline_workdays)
        today = _today()
        case.card_number = f"ZB-{today.year}-{_next_number(f'card-{today.year}'):04d}"
        case.unit = unit
        case.state = State.TRANSFERRED
        case.transferred_on = today
        case.overdue, case.overdue_since = False, None
        _finish(
            case,
            "transfer",
            actor,
            old,
            note=f"转{unit.name}办理,转办卡 {case.card_number},期限 {case.due_on}",
            detail={"unit": unit.code, "card": case.card_number, "due_on": case.due_on},
        )
        transaction.on_commit(lambda: _tell_unit(case, f"新转办问题 {case.number}"))
    return case


def do_accept(case: Case, *, actor: Any) -> Case:
    with transaction.atomic():
        case, old = _begin(case, "accept", actor)
        case.state = State.ACCEPTED
        case.accepted_on = _today()
        _finish(case, "accept", actor, old)
    return case


def do_return(case: Case, *, reason: str, actor: Any) -> Case:
    """Not this unit's duty: back to registered, and the organiser transfers it elsewhere."""
    reason = _text(reason, "退回理由")
    with transaction.atomic():
        case, old = _begin(case, "return", actor)
        previous = case.unit
        case.state = State.REGISTERED
        case.unit = None
        case.due_on = case.original_due_on = None
        case.overdue, case.overdue_since = False, None
        case.accepted_on = None
        _finish(
            case,
            "return",
            actor,
            old,
            note=f"{previous.name if previous else ''}退回:{reason}",
            detail={"unit": previous.code if previous else ""},
        )
        case.extensions.filter(decision=Extension.Decision.PENDING).update(
            decision=Extension.Decision.REFUSED, decided_on=_today()
        )
    return case


# --- extensions (R-28) --------------------------------------------------------------------------


def do_request_extension(case: Case, *, workdays: int, reason: str, actor: Any) -> Extension:
    reason = _text(reason, "延期理由")
    if not 1 <= workdays <= 22:
        raise CaseActionRefused("延长的工作日应为 1 至 22 天(延期合计不得超过一个月)。")
    with transaction.atomic():
        case, old = _begin(case, "request_extension", actor)
        if case.extensions.filter(decision=Extension.Decision.PENDING).exists():
            raise CaseActionRefused("已有一份延期申请在等待审批。")
        extension = Extension.objects.create(
            case=case,
            workdays=workdays,
            reason=reason,
            requested_by=actor if getattr(actor, "pk", None) else None,
            requested_on=_today(),
        )
        _finish(
            case,
            "request_extension",
            actor,
            old,
            note=f"申请延期 {workdays} 个工作日:{reason}",
            detail={"workdays": workdays},
        )
    return extension


def do_decide_extension(extension: Extension, *, approve: bool, actor: Any) -> Extension:
    """Approve or refuse; approved extensions together may not go beyond one month (R-28)."""
    with transaction.atomic():
        case, old = _begin(extension.case, "decide_extension", actor)
        extension = Extension.objects.select_for_update().get(pk=extension.pk)
        if extension.decision != Extension.Decision.PENDING:
            raise CaseActionRefused("这份延期申请已经审批过了。")
        assert case.due_on is not None and case.original_due_on is not None
        if approve:
            new_due = due_date(case.due_on, extension.workdays)
            limit = add_one_month(case.original_due_on)
            if new_due > limit:
                raise CaseActionRefused(
                    f"延期后期限 {new_due} 超过了原定期限 {case.original_due_on} 后一个月"
                    f"({limit}),延期合计不得超过一个月。"
                )
            extension.new_due_on = case.due_on = new_due
            if case.overdue and new_due >= _today():
                case.overdue, case.overdue_since = False, None
        extension.decision = Extension.Decision.APPROVED if approve else Extension.Decision.REFUSED
        extension.decided_by = actor if getattr(actor, "pk", None) else None
        extension.decided_on = _today()
        extension.save()
        verdict = f"同意延期至 {case.due_on}" if approve else "不同意延期"
        _finish(case, "decide_extension", actor, old, note=verdict, detail={"approve": approve})
    return extension


# --- reply, verification, follow-up, closing ---------------------------------------------------


def do_reply(case: Case, *, facts: str, handling: str, measures: str, actor: Any) -> Case:
    """The unit's answer: facts established, how it was handled, measures taken (R-29)."""
    facts = _text(facts, "调查核实情况")
    handling = _text(handling, "处理情况")
    measures = _text(measures, "整改措施")
    with transaction.atomic():
        case, old = _begin(case, "reply", actor)
        case.reply_facts, case.reply_handling, case.reply_measures = facts, handling, measures
        case.explanation_kind = ""
        _mark_replied(case)
        _finish(case, "reply", actor, old, note=handling)
    return case


def do_explain(case: Case, *, kind: str, text: str, plan: str = "", actor: Any) -> Case:
    """What cannot be solved now gets a plan and an explanation; policy questions an explanation."""
    if kind not in ExplanationKind.values:
        raise CaseActionRefused("请选择说明类型:一时无条件解决,或政策性问题。")
    text = _text(text, "说明内容")
    plan = (plan or "").strip()
    if kind == ExplanationKind.NOT_NOW and not plan:
        raise CaseActionRefused("一时无条件解决的问题,请填写整改计划。")
    with transaction.atomic():
        case, old = _begin(case, "explain", actor)
        case.explanation_kind = kind
        case.reply_handling = text
        case.reply_measures = plan
        _mark_replied(case)
        _finish(case, "explain", actor, old, note=text, detail={"kind": kind})
    return case


def _mark_replied(case: Case) -> None:
    case.replied_on = _today()
    case.replied_late = case.due_on is not None and case.replied_on > case.due_on
    case.state = State.REPLIED if not case.explanation_kind else State.EXPLAINED


def do_send_back(case: Case, *, reason: str, actor: Any) -> Case:
    """The organiser finds the answer wanting: the unit must answer again, same deadline."""
    reason = _text(reason, "退回理由")
    with transaction.atomic():
        case, old = _begin(case, "send_back", actor)
        case.state = State.ACCEPTED
        _finish(case, "send_back", actor, old, note=reason)
    return case


def do_verify(case: Case, *, note: str = "", actor: Any) -> Case:
    with transaction.atomic():
        case, old = _begin(case, "verify", actor)
        case.state = State.VERIFIED
        case.verified_on = _today()
        _finish(case, "verify", actor, old, note=note.strip())
    return case


def do_follow_up(case: Case, *, satisfaction: str, note: str = "", actor: Any) -> Case:
    """Ask the complainant; not satisfied reopens the case with a fresh deadline (R-29)."""
    if satisfaction not in Satisfaction.values:
        raise CaseActionRefused("请选择回访结果:满意、基本满意或不满意。")
    with transaction.atomic():
        case, old = _begin(case, "follow_up", actor)
        case.satisfaction = satisfaction
        case.followed_up_on = today = _today()
        label = Satisfaction(satisfaction).label
        if satisfaction == Satisfaction.NOT_SATISFIED:
            case.state = State.ACCEPTED
            case.due_on = case.original_due_on = due_date(today, case.deadline_workdays)
            case.overdue, case.overdue_since = False, None
            case.replied_on, case.verified_on = None, None
            case.replied_late = False
            label += f",重新办理,期限 {case.due_on}"
        else:
            case.state = State.FOLLOWED_UP
        text = f"{label}。{note.strip()}" if note.strip() else f"{label}。"
        _finish(case, "follow_up", actor, old, note=text, detail={"satisfaction": satisfaction})
    return case


def do_close(case: Case, *, actor: Any) -> Case:
    """Strike the case off (销号): facts clear, handled, measures in place, public satisfied."""
    with transaction.atomic():
        case, old = _begin(case, "close", actor)
        case.state = State.CLOSED
        case.closed_on = _today()
        _finish(case, "close", actor, old)
    return case


def do_merge(case: Case, *, into: Case, actor: Any) -> Case:
    """A duplicate of another open case: it is closed into that one."""
    if into.pk == case.pk:
        raise CaseActionRefused("不能把问题合并到它自己。")
    if into.state == State.MERGED:
        raise CaseActionRefused(
            f"问题 {into.number} 本身已被合并,请合并到 {into.number} 所并入的问题。"
        )
    with transaction.atomic():
        case, old = _begin(case, "merge", actor)
        case.state = State.MERGED
        case.merged_into = into
        _finish(
            case,
            "merge",
            actor,
            old,
            note=f"与问题 {into.number} 重复,已合并",
            detail={"into": into.number},
        )
    return case


# --- repeat complaints (R-31) -------------------------------------------------------------------


def matching_rule(campaign: Campaign, code: str, keyword: str) -> DeductionRule | None:
    """The campaign's deduction rule for an event: by its usual code, else by a title word."""
    rules = DeductionRule.objects.filter(campaign=campaign)
    return rules.filter(code=code).first() or rules.filter(title__contains=keyword).first()


def do_confirm_repeat(case: Case, *, previous: Case, actor: Any) -> Deduction | None:
    """Confirm a secondary complaint (二次投诉) and propose the campaign's deduction for it.

    The deduction is only proposed: it counts once signed off (R-20). Returns
    it, or None when the case has no campaign or the campaign no such rule.
    """
    if previous.pk == case.pk:
        raise CaseActionRefused("二次投诉所指的原问题不能是它自己。")
    if previous.state != State.CLOSED:
        raise CaseActionRefused(f"原问题 {previous.number} 尚未销号,不构成二次投诉。")
    with transaction.atomic():
        case, old = _begin(case, "confirm_repeat", actor)
        if case.is_repeat:
            raise CaseActionRefused("这个问题已经确认为二次投诉。")
        unit = case.unit or previous.unit
        if unit is None or (case.unit_id and previous.unit_id != case.unit_id):
            raise CaseActionRefused("二次投诉须是对同一单位的同一事项。")
        case.is_repeat = True
        case.repeat_of = previous
        campaign = case.campaign or previous.campaign
        rule = matching_rule(campaign, "repeat_complaint", "二次投诉") if campaign else None
        deduction = None
        if campaign is not None and rule is not None:
            deduction = _propose(
                campaign=campaign,
                unit=unit,
                rule=rule,
                date=case.registered_on,
                evidence=f"二次投诉:问题 {case.number}(原问题 {previous.number} 已于 "
                f"{previous.closed_on} 销号)",
                actor=actor,
            )
            note = f"确认为问题 {previous.number} 的二次投诉,已提出减分(待签认)"
        else:
            note = (
                f"确认为问题 {previous.number} 的二次投诉;"
                "所属评议活动没有二次投诉减分规则,未提出减分"
            )
        _finish(
            case,
            "confirm_repeat",
            actor,
            old,
            note=note,
            detail={"previous": previous.number, "deduction": deduction.pk if deduction else None},
        )
    return deduction


def do_dismiss_repeat(case: Case, *, actor: Any) -> Case:
    with transaction.atomic():
        case, old = _begin(case, "dismiss_repeat", actor)
        case.repeat_dismissed = True
        _finish(case, "dismiss_repeat", actor, old, note="经核查不属于二次投诉")
    return case


# --- complainant identity (R-32) ----------------------------------------------------------------


def do_reveal_identity(case: Case, *, reason: str, actor: Any) -> Complainant | None:
    """Open the complainant's identity: organisers only, with a reason, every time logged."""
    if actor is not None and not has_role(actor, Role.ORGANISER):
        raise CaseActionRefused("只有组织单位可以查看投诉人身份。")
    reason = _text(reason, "查看理由")
    with transaction.atomic():
        complainant = Complainant.objects.filter(case=case).first()
        log.record(
            "case.reveal_identity",
            actor=actor,
            obj=case,
            campaign_code=case.campaign.code if case.campaign_id and case.campaign else "",
            detail={"number": case.number, "reason": reason},
        )
    return complainant


# --- overdue (R-28, R-33) -----------------------------------------------------------------------


def mark_overdue(today: datetime.date | None = None) -> list[Case]:
    """Mark open cases past their deadline, remind their units and tell the organisers.

    Run daily (the ``mark_overdue_cases`` task, or ``minping cases overdue``).
    A case is overdue the day after its due date passes without a reply.
    """
    today = today or _today()
    marked = []
    waiting = Case.objects.filter(
        state__in=[State.TRANSFERRED, State.ACCEPTED], due_on__lt=today, overdue=False
    )
    for pk in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            if case.overdue or case.due_on is None or case.due_on >= today:
                continue
            case.overdue, case.overdue_since = True, today
            _finish(case, "overdue", None, case.state, note=f"已超过办理期限 {case.due_on}")
            transaction.on_commit(_reminder(case))
        marked.append(case)
    return marked


def _reminder(case: Case) -> Callable[[], None]:
    def send() -> None:
        text = f"问题 {case.number}“{case.summary}”已超过办理期限 {case.due_on},请尽快办理答复。"
        _tell_unit(case, f"超期提醒:问题 {case.number}", text)
        _tell_organisers(f"超期:问题 {case.number}({case.unit})", text)

    return send


def do_propose_overdue_deductions(
    campaign: Campaign, *, start: datetime.date, end: datetime.date, actor: Any
) -> list[Deduction]:
    """Propose the campaign's deduction for every case of it overdue in [start, end], once each."""
    if actor is not None and not has_role(actor, Role.ORGANISER):
        raise CaseActionRefused("只有组织单位可以提出减分。")
    rule = matching_rule(campaign, "hotline_overdue", "工作日")
    if rule is None:
        raise CaseActionRefused(f"评议活动“{campaign.title}”没有超期答复的减分规则。")
    proposed = []
    with transaction.atomic():
        cases = Case.objects.select_for_update().filter(
            campaign=campaign,
            overdue_since__range=(start, end),
            overdue_deduction_proposed=False,
            unit__isnull=False,
        )
        for case in cases:
            assert case.unit is not None and case.overdue_since is not None
            proposed.append(
                _propose(
                    campaign=campaign,
                    unit=case.unit,
                    rule=rule,
                    date=case.overdue_since,
                    evidence=f"问题 {case.number} 未在期限 {case.due_on} 内答复",
                    actor=actor,
                )
            )
            case.overdue_deduction_proposed = True
            _finish(
                case, "propose_overdue_deduction", actor, case.state, note="已提出超期减分(待签认)"
            )
    return proposed


def _propose(**fields: Any) -> Deduction:
    """Propose through oversight's one entry point; its refusals read as ours."""
    try:
        return do_propose_deduction(**fields)
    except NotAllowed as refused:
        raise CaseActionRefused(str(refused)) from None


def _recipients(users: Any) -> list[str]:
    return sorted({u.email for u in users if u.email})


def _tell_unit(case: Case, subject: str, text: str = "") -> None:
    if case.unit_id is None:
        return
    assert case.unit is not None
    unit_ids = [case.unit_id, *(u.id for u in case.unit.ancestors())]
    users = [
        m.user
        for m in Membership.objects.filter(role=Role.LIAISON, unit_id__in=unit_ids).select_related(
            "user"
        )
    ]
    body = text or f"问题 {case.number}“{case.summary}”已转贵单位办理,期限 {case.due_on}。"
    if to := _recipients(users):
        send_mail(subject, body, None, to, fail_silently=True)


def _tell_organisers(subject: str, text: str) -> None:
    users = [m.user for m in Membership.objects.filter(role=Role.ORGANISER).select_related("user")]
    if to := _recipients(users):
        send_mail(subject, text, None, to, fail_silently=True)


# --- ledger (R-30) ------------------------------------------------------------------------------


def _check_unit_actor(unit: Unit, actor: Any) -> None:
    if actor is None:
        return
    ids = visible_unit_ids(actor)
    if has_role(actor, Role.ORGANISER):
        return
    if ids is None or unit.id not in ids or not has_role(actor, Role.LIAISON):
        raise CaseActionRefused("只有本单位联络员或组织单位可以修改整改台账。")


def do_add_ledger_item(
    *,
    unit: Unit,
    problem: str,
    measure: str,
    responsible: str,
    due_on: datetime.date,
    case: Case | None = None,
    actor: Any,
) -> LedgerItem:
    _check_unit_actor(unit, actor)
    item = LedgerItem(
        unit=unit,
        case=case,
        problem=_text(problem, "存在问题"),
        measure=_text(measure, "整改措施"),
        responsible=_text(responsible, "责任人", 100),
        due_on=due_on,
    )
    with transaction.atomic():
        item.save()
        log.record(
            "ledger.add",
            actor=actor,
            obj=item,
            detail={"unit": unit.code, "case": case.number if case else "", "due_on": due_on},
        )
    return item


def do_update_ledger_item(
    item: LedgerItem, *, progress: str, feedback: str, actor: Any
) -> LedgerItem:
    _check_unit_actor(item.unit, actor)
    with transaction.atomic():
        item = LedgerItem.objects.select_for_update().get(pk=item.pk)
        if item.struck_off_on:
            raise CaseActionRefused("该事项已销号,不能再修改。")
        item.progress, item.feedback = progress.strip(), feedback.strip()
        item.save(update_fields=["progress", "feedback"])
        log.record("ledger.update", actor=actor, obj=item, detail={"unit": item.unit.code})
    return item


def do_strike_off(item: LedgerItem, *, actor: Any) -> LedgerItem:
    """Strike one measure off the ledger (销号); only the organiser does, after checking it."""
    if actor is not None and not has_role(actor, Role.ORGANISER):
        raise CaseActionRefused("只有组织单位可以销号。")
    with transaction.atomic():
        item = LedgerItem.objects.select_for_update().get(pk=item.pk)
        if item.struck_off_on:
            raise CaseActionRefused("该事项已经销号。")
        if not item.progress.strip():
            raise CaseActionRefused("请先填写整改进展,再销号。")
        item.struck_off_on = _today()
        item.save(update_fields=["struck_off_on"])
        log.record("ledger.strike_off", actor=actor, obj=item, detail={"unit": item.unit.code})
    return item


# --- API keys -----------------------------------------------------------------------------------


def hash_api_key(key: str) -> str:
    # Keys are long random strings, so a plain SHA-256 suffices (no stretching needed).
    return hashlib.sha256(key.encode()).hexdigest()


def _new_api_key() -> tuple[str, str, str]:
    """(prefix, plain key, hash): the plain key is shown once and never stored."""
    prefix = secrets.token_hex(4)
    key = f"mp_{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, key, hash_api_key(key)


def do_issue_api_key(*, source: str, name: str, actor: Any) -> tuple[ApiKey, str]:
    """Issue a key to an outside system; the plain key is shown once and never stored."""
    if actor is not None and not has_role(actor, Role.ORGANISER):
        raise CaseActionRefused("只有组织单位可以签发接口密钥。")
    if source not in Source.values:
        raise CaseActionRefused(f"来源“{source}”不在可选范围内。")
    name = _text(name, "系统名称", 100)
    prefix, key, key_hash = _new_api_key()
    with transaction.atomic():
        api_key = ApiKey.objects.create(source=source, name=name, prefix=prefix, key_hash=key_hash)
        log.record(
            "api_key.issue", actor=actor, obj=api_key, detail={"source": source, "name": name}
        )
    return api_key, key


def do_rotate_api_key(api_key: ApiKey, *, actor: Any) -> tuple[ApiKey, str]:
    """A new secret for the same system (a leaked or lost key): the old one stops at once.

    The system keeps its identity, so it still reads its earlier cases and a resend
    of an earlier id is still a retry, not a second case.
    """
    if actor is not None and not has_role(actor, Role.ORGANISER):
        raise CaseActionRefused("只有组织单位可以换发接口密钥。")
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if not api_key.active:
            raise CaseActionRefused("已停用的密钥不能换发,请为该系统签发新密钥。")
        old_prefix = api_key.prefix
        api_key.prefix, key, api_key.key_hash = _new_api_key()
        api_key.save(update_fields=["prefix", "key_hash"])
        log.record(
            "api_key.rotate",
            actor=actor,
            obj=api_key,
            detail={"name": api_key.name, "old_prefix": old_prefix, "prefix": api_key.prefix},
        )
    return api_key, key


def do_revoke_api_key(api_key: ApiKey, *, actor: Any) -> ApiKey:
    if actor is not None and not has_role(actor, Role.ORGANISER):
        raise CaseActionRefused("只有组织单位可以停用接口密钥。")
    with transaction.atomic():
        api_key.active = False
        api_key.save(update_fields=["active"])
        log.record("api_key.revoke", actor=actor, obj=api_key, detail={"name": api_key.name})
    return api_key
