"""State changes of the surveys app: each one function, one transaction, one audit entry."""

from __future__ import annotations

import datetime
import functools
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from minping.audit import log
from minping.campaigns.batches import (
    ImportSummary,
    check_not_imported,
    import_transaction,
    record_import,
    summary,
)
from minping.campaigns.deadlines import late_message
from minping.campaigns.models import Campaign, Indicator, Method, ScaleLevel
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.orgs.models import Unit
from minping.surveys.importers import COLUMNS, BallotImporter
from minping.surveys.models import (
    SETTINGS_CHANNEL,
    Answer,
    Ballot,
    Channel,
    CollectionSettings,
    Comment,
    InterviewerTally,
    Invitation,
    Kiosk,
    Questionnaire,
    RatedPhone,
    SubmissionKey,
    WindowLink,
)
from minping.surveys.questionnaires import (
    UnitResponse,
    build_spec,
    check_responses,
    closed_reason,
    settings_for,
)
from minping.surveys.tokens import code_hash, holder_key, new_code, new_token, token_hash


def do_import_ballots(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
    dry_run: bool = False,
    problems: ProblemCollector | None = None,
) -> ImportSummary:
    """Import a ballots file (one row an answer) into ``campaign``, all or nothing.

    Ballots get fresh ids (never the file's ``ballot`` values), the channel
    "import" and the import day as their date unless the file gives one.
    Raises InvalidInput listing every bad row; then nothing is stored.
    """
    problems = ProblemCollector() if problems is None else problems
    with open_table(path, COLUMNS) as table, import_transaction(dry_run=dry_run):
        check_not_imported("ballots", campaign, table, force=force)
        importer = BallotImporter(campaign, table, problems)
        importer.run(progress)
        # Good rows were written as they were read: raising here rolls them all back.
        problems.raise_if_any(table.name)
        counts = {"ballots": importer.ballots, "answers": importer.answers}
        batch = record_import(
            "ballots",
            campaign,
            table,
            actor=actor,
            counts=counts,
            detail={
                "by_method": importer.by_method,
                **({"late": importer.late} if importer.late else {}),
            },
        )
    methods = "、".join(
        f"{code} {n:,} 份" if len(importer.by_method) > 1 else code
        for code, n in importer.by_method.items()
    )
    text = (
        f"已导入 {importer.ballots:,} 份答卷({importer.answers:,} 条答案)"
        f"到 {campaign.code} / {methods}"
    )
    warnings = [
        late_message(title, importer.deadlines[title], n, "份答卷")
        for title, n in importer.late.items()
    ]
    return summary("ballots", campaign, table, batch, text, counts, warnings)


# --- Collection -----------------------------------------------------------------------------
#
# Casting a ballot writes NO audit entry and nothing that orders ballots against the
# invitations they consumed (docs/collection.md, "Anonymity"): the organiser's actions
# around collection are audited instead.


class CastRefused(Exception):
    """A ballot that may not be stored, with a reason code and a message for the respondent."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(message)


class Claim(Protocol):
    """Something a ballot uses up in the ballot's own transaction (an invitation, a phone)."""

    def consume(self, today: datetime.date) -> None:
        """Mark it used; raise CastRefused if it cannot be."""


@dataclass(frozen=True)
class InvitationClaim:
    invitation_id: uuid.UUID

    def consume(self, today: datetime.date) -> None:
        # A conditional UPDATE under the row lock: of two concurrent submissions
        # exactly one sees used=False, whatever the isolation level.
        with connection.cursor() as cursor:
            cursor.execute(
                _consume_sql(),
                [True, _uuid_param(self.invitation_id), False, _date_param(today)],
            )
            if cursor.rowcount == 1:
                return
        invitation = Invitation.objects.filter(id=self.invitation_id).first()
        if invitation is None:
            raise CastRefused("unknown", _("没有找到这个邀请码。"))
        if invitation.used:
            raise CastRefused("used", _("这个邀请码已经使用过了,每个邀请码只能提交一次。"))
        raise CastRefused(
            "expired",
            _("这个邀请码已于 %(date)s 过期。") % {"date": invitation.expires.isoformat()},
        )


@dataclass(frozen=True)
class PhoneClaim:
    """One ballot per phone per unit per campaign (R-14): a row under a unique constraint.

    The row has no date and no link to the ballot; of two concurrent submissions
    for the same unit one insert fails and its whole transaction rolls back.
    """

    campaign_id: int
    unit_ids: tuple[int, ...]
    phone_key: str

    def consume(self, today: datetime.date) -> None:
        del today  # nothing here may carry a date (it would be the ballot's)
        try:
            with transaction.atomic():
                RatedPhone.objects.bulk_create(
                    RatedPhone(campaign_id=self.campaign_id, unit_id=unit, phone_key=self.phone_key)
                    for unit in self.unit_ids
                )
        except IntegrityError:
            raise CastRefused(
                "rated", _("这个手机号已经评价过这个单位了,每个手机号对每个单位只能评价一次。")
            ) from None


def phone_has_rated(campaign_id: int, unit_ids: Sequence[int], phone_key: str) -> list[int]:
    """Which of these units this phone has rated in the campaign."""
    return list(
        RatedPhone.objects.filter(
            campaign_id=campaign_id, unit_id__in=unit_ids, phone_key=phone_key
        ).values_list("unit_id", flat=True)
    )


@dataclass(frozen=True)
class CastResult:
    ballots: int
    # True when the form had been taken before: nothing new was stored.
    replayed: bool = False


def submission_key_taken(key: str) -> bool:
    return bool(key) and SubmissionKey.objects.filter(key=key).exists()


def _take_key(key: str, today: datetime.date) -> bool:
    """Insert the form's key; False when it was taken before (the form is a retry).

    ``ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite ≥ 3.24) instead of catching
    IntegrityError: no savepoint round trips. A concurrent post with the same key
    waits on the primary-key index until the first commits, then inserts nothing.
    """
    table, key_column, date_column = (
        connection.ops.quote_name(name) for name in (SubmissionKey._meta.db_table, "key", "date")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {date_column}) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING",
            [key, today],
        )
        return bool(cursor.rowcount == 1)


@dataclass(frozen=True)
class _DefinitionIds:
    indicators: dict[str, int]  # code → id
    levels: dict[str, int]  # label → id


def _definition_ids(campaign_id: int) -> _DefinitionIds:
    """The campaign's indicator ids by code and level ids by label, in one query.

    Read on every ballot rather than cached: the campaign definition can be reloaded
    at any time, and an indicator deleted since the form was shown must be noticed.
    """
    found = _DefinitionIds({}, {})
    with connection.cursor() as cursor:
        cursor.execute(_definition_sql(), [campaign_id, campaign_id])
        for kind, name, pk in cursor.fetchall():
            (found.indicators if kind == "i" else found.levels)[name] = pk
    return found


# The two statements every ballot runs besides the inserts, written out once per process:
# building them with the ORM on each POST cost more CPU than PostgreSQL spent answering
# them (docs/performance.md, "A cheaper ballot"). Table and column names come from the
# models; every value is a parameter.
def _column(model: type[Model], name: str) -> str:
    """The quoted column of a model's field ("pk" for the primary key)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return str(connection.ops.quote_name(field.column))


@functools.cache
def _definition_sql() -> str:
    parts = []
    for kind, model, name in (("i", Indicator, "code"), ("l", ScaleLevel, "label")):
        parts.append(
            f"SELECT '{kind}', {_column(model, name)}, {_column(model, 'pk')} "
            f"FROM {connection.ops.quote_name(model._meta.db_table)} "
            f"WHERE {_column(model, 'campaign')} = %s"
        )
    return " UNION ALL ".join(parts)


@functools.cache
def _consume_sql() -> str:
    """A conditional UPDATE: used where unused and unexpired (see InvitationClaim)."""
    used, expires = _column(Invitation, "used"), _column(Invitation, "expires")
    return (
        f"UPDATE {connection.ops.quote_name(Invitation._meta.db_table)} SET {used} = %s "
        f"WHERE {_column(Invitation, 'pk')} = %s AND {used} = %s AND {expires} >= %s"
    )


def _uuid_param(value: uuid.UUID) -> Any:
    field = Invitation._meta.pk
    assert field is not None
    return field.get_db_prep_value(value, connection)


def _date_param(value: datetime.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def do_cast_ballot(
    *,
    questionnaire: Questionnaire,
    channel: str,
    responses: list[UnitResponse],
    category: str = "",
    round: int | None = None,
    status: str = Ballot.Status.ACCEPTED,
    key: str = "",
    claims: Sequence[Claim] = (),
    today: datetime.date | None = None,
    hold_reason: str = "",
    settings: CollectionSettings | None = None,
) -> CastResult:
    """Store one respondent's ballots (one per unit answered), exactly once.

    Every channel comes through here. In one transaction: the form's key is
    taken (a retry with the same key stores nothing and reports ``replayed``),
    each claim is consumed, and the ballots, their answers (only if accepted;
    a quarantined ballot keeps them in ``held_answers``) and comments are
    written. Raises InvalidInput for answers that do not fit the questionnaire
    and CastRefused when collection is closed, the channel does not apply or a
    claim was used up; then nothing is stored.

    The caller resolves the units and must only pass units the respondent may
    rate through its channel (the link's unit, or one of ``pickable_units``).
    ``settings``: the method's collection settings if the caller read them in this
    request (saves a query); else they are read here.
    """
    today = today or timezone.localdate()
    settings = settings or settings_for(questionnaire.method)
    spec = questionnaire.spec
    refusal: Exception | None = None
    ids: _DefinitionIds | None = None
    if SETTINGS_CHANNEL.get(channel, channel) not in (Channel.IMPORT, *settings.channels):
        refusal = CastRefused("channel", _("这项评议不接受这种方式提交。"))
    elif reason := closed_reason(settings, today):
        refusal = CastRefused("closed", reason)
    elif problems := check_responses(spec, responses, category):
        refusal = InvalidInput([InputProblem(text) for text in problems])
    else:
        ids = _definition_ids(questionnaire.campaign_id)
        if any(i["code"] not in ids.indicators for i in spec["indicators"]) or any(
            label not in ids.levels for label in spec["levels"]
        ):
            refusal = CastRefused("changed", _("问卷已经更新,请刷新页面后重新填写。"))
    if refusal is not None:
        # A retry of a form already taken is answered "thank you" even if collection has
        # closed since. Looked up only here: on the way to storing, the key's insert says it.
        if submission_key_taken(key):
            return CastResult(0, replayed=True)
        raise refusal
    assert ids is not None
    indicators, levels = ids.indicators, ids.levels
    campaign_id, method_id = questionnaire.campaign_id, questionnaire.method_id
    accepted = status == Ballot.Status.ACCEPTED
    round = round if round is not None else settings.current_round
    # Version 2: one person's questionnaire over several units counts as one (S-2).
    sheet = None
    if len(responses) > 1 and Campaign.objects.filter(pk=campaign_id, format__gte=2).exists():
        sheet = uuid.uuid4()
    with transaction.atomic():
        if key and not _take_key(key, today):
            return CastResult(0, replayed=True)
        for claim in claims:
            claim.consume(today)
        ballots: list[Ballot] = []
        answers: list[Answer] = []
        comments: list[Comment] = []
        for response in responses:
            ballot = Ballot(
                campaign_id=campaign_id,
                method_id=method_id,
                unit=response.unit,
                date=today,
                channel=channel,
                category=category,
                status=status,
                questionnaire=questionnaire,
                round=round,
                sheet=sheet,
                held_answers=None if accepted else dict(response.levels),
                hold_reason="" if accepted else hold_reason[:20],
            )
            ballots.append(ballot)
            if accepted:
                answers.extend(
                    Answer(
                        ballot=ballot,
                        campaign_id=campaign_id,
                        method_id=method_id,
                        unit=response.unit,
                        indicator_id=indicators[code],
                        level_id=levels[label],
                    )
                    for code, label in response.levels.items()
                )
            if text := response.comment.strip():
                comments.append(
                    Comment(
                        ballot=ballot,
                        campaign_id=campaign_id,
                        unit=response.unit,
                        date=today,
                        text=text,
                    )
                )
        Ballot.objects.bulk_create(ballots)
        Answer.objects.bulk_create(answers)
        Comment.objects.bulk_create(comments)
    return CastResult(len(ballots))


def do_count_interviewer_entry(user: Any, method: Method, ballots: int) -> None:
    """Add to an interviewer's count for today (accountability without naming any ballot).

    Call it after the ballots' transaction committed, never inside it: a row
    written in the same transaction would share its id with the ballots.
    """
    if ballots <= 0:
        return
    today = timezone.localdate()
    with transaction.atomic():
        tally, _created = InterviewerTally.objects.select_for_update().get_or_create(
            user=user, method=method, date=today
        )
        InterviewerTally.objects.filter(pk=tally.pk).update(ballots=F("ballots") + ballots)


def do_update_collection_settings(
    actor: Any, method: Method, values: dict[str, Any]
) -> CollectionSettings:
    """Change how a method collects (channels, targets, rounds, dates); the changes are audited."""
    with transaction.atomic():
        settings = settings_for(method)
        changed = {}
        for name, value in values.items():
            old = getattr(settings, name)
            if old != value:
                changed[name] = [old, value]
                setattr(settings, name, value)
        if changed:
            settings.save()
            log.record(
                "collection.settings",
                actor=actor,
                obj=settings,
                campaign_code=method.campaign.code,
                detail={"method": method.code, "changed": changed},
            )
    return settings


def do_advance_round(actor: Any, method: Method, closing: int) -> CollectionSettings:
    """Close survey round ``closing`` and open the next (R-10); audited.

    ``closing`` is the round the organiser saw as current: if the method has moved
    on already (a double tap, or a colleague was quicker) nothing changes. New
    ballots take the new round; the closed round's ranking stays as it was.
    """
    with transaction.atomic():
        settings = CollectionSettings.objects.select_for_update().get(pk=settings_for(method).pk)
        if settings.current_round != closing:
            return settings
        if closing >= settings.rounds:
            raise InvalidInput(
                [
                    InputProblem(
                        f"第 {closing} 轮已是最后一轮(共 {settings.rounds} 轮),"
                        "要增加轮次请先修改收集设置。"
                    )
                ]
            )
        settings.current_round = closing + 1
        settings.save(update_fields=["current_round"])
        log.record(
            "collection.round",
            actor=actor,
            obj=settings,
            campaign_code=method.campaign.code,
            detail={"method": method.code, "closed": closing, "opened": closing + 1},
        )
    return settings


def do_freeze_questionnaire(actor: Any, method: Method) -> Questionnaire:
    """Open collection for a method: freeze its questionnaire as a new version if it changed.

    Ballots already cast keep the version they answered.
    """
    if method.input != Method.BALLOTS:
        raise InvalidInput([InputProblem(f"“{method.title}”直接录入得分,没有问卷。")])
    with transaction.atomic():
        settings = settings_for(method)
        spec = build_spec(method, settings)
        if not spec["indicators"] or not spec["levels"]:
            raise InvalidInput([InputProblem("活动还没有评议内容或评价等级,不能生成问卷。")])
        latest = (
            Questionnaire.objects.select_for_update()
            .filter(method=method)
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.spec == spec:
            return latest
        questionnaire = Questionnaire.objects.create(
            campaign=method.campaign,
            method=method,
            version=(latest.version + 1) if latest else 1,
            spec=spec,
            created=timezone.localdate(),
        )
        log.record(
            "questionnaire.freeze",
            actor=actor,
            obj=questionnaire,
            campaign_code=method.campaign.code,
            detail={"method": method.code, "version": questionnaire.version, "spec": spec},
        )
    return questionnaire


@dataclass(frozen=True)
class Holder:
    """A person to invite, as the organiser listed them; only a keyed hash of ``identity`` stays."""

    name: str
    identity: str
    line: int | None = None


@dataclass(frozen=True)
class IssuedInvitation:
    """The plain secrets of one invitation: shown to the organiser once, never stored."""

    names: tuple[str, ...]
    token: str
    code: str
    expires: datetime.date


@dataclass
class IssueResult:
    issued: list[IssuedInvitation]
    # Names of holders who already had an invitation in this campaign.
    already: list[str]


def do_issue_invitations(
    actor: Any,
    method: Method,
    holders: list[Holder],
    *,
    expires: datetime.date,
    unit: Unit | None = None,
    category: str = "",
) -> IssueResult:
    """Issue one single-use invitation per person (by identity) for ``method``'s campaign.

    The same identity listed twice (a deputy who is also a CPPCC member) gets
    one invitation; a person who already holds one in this campaign gets none.
    """
    today = timezone.localdate()
    problems = ProblemCollector()
    if expires < today:
        problems.add("有效期不能早于今天。", column="有效期至")
    for holder in holders:
        if not holder.identity.strip():
            problems.add("缺少身份标识(如手机号或证件号)。", holder.line, "身份标识")
    if not holders:
        problems.add("名单是空的。")
    # Version 2: an invitation fixes its holder's category; it must be one that counts.
    if category and (why := method.as_definition().respondent_refusal(category)):
        problems.add(f"不能按这一类别发出邀请:{why}。", column="评议主体类别")
    problems.raise_if_any()
    by_key: dict[str, list[str]] = {}
    for holder in holders:
        by_key.setdefault(holder_key(holder.identity), []).append(holder.name.strip())
    campaign = method.campaign
    with transaction.atomic():
        existing = set(
            Invitation.objects.filter(campaign=campaign, holder_key__in=by_key).values_list(
                "holder_key", flat=True
            )
        )
        issued: list[IssuedInvitation] = []
        rows: list[Invitation] = []
        for key, names in by_key.items():
            if key in existing:
                continue
            token, code = new_token(), new_code()
            rows.append(
                Invitation(
                    campaign=campaign,
                    method=method,
                    unit=unit,
                    category=category,
                    token_hash=token_hash(token),
                    code_hash=code_hash(code),
                    holder_key=key,
                    issued=today,
                    expires=expires,
                )
            )
            issued.append(IssuedInvitation(tuple(dict.fromkeys(names)), token, code, expires))
        Invitation.objects.bulk_create(rows)
        log.record(
            "invitation.issue",
            actor=actor,
            obj=method,
            campaign_code=campaign.code,
            detail={
                "method": method.code,
                "issued": len(rows),
                "already_invited": len(existing),
                "unit": unit.code if unit else None,
                "category": category,
                "expires": expires,
            },
        )
    already = [name for key, names in by_key.items() if key in existing for name in names]
    return IssueResult(issued, already)


def do_create_window_links(actor: Any, method: Method, units: list[Unit]) -> list[WindowLink]:
    """A QR link for each window of ``units`` that has none yet; all links are returned."""
    campaign = method.campaign
    with transaction.atomic():
        have = set(WindowLink.objects.filter(method=method).values_list("unit_id", flat=True))
        new = [
            WindowLink(campaign=campaign, method=method, unit=unit, slug=secrets.token_urlsafe(9))
            for unit in units
            if unit.pk not in have
        ]
        WindowLink.objects.bulk_create(new)
        if new:
            log.record(
                "window_link.create",
                actor=actor,
                obj=method,
                campaign_code=campaign.code,
                detail={"method": method.code, "units": [link.unit.code for link in new]},
            )
    return list(WindowLink.objects.filter(method=method).select_related("unit"))


def do_register_kiosk(actor: Any, window: WindowLink, name: str) -> tuple[Kiosk, str]:
    """Register a tablet for a window; returns the kiosk and its one-time pairing token."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput([InputProblem("请填写设备名称(不超过 100 字)。", column="设备名称")])
    token = new_token()
    with transaction.atomic():
        kiosk = Kiosk.objects.create(
            window=window, name=name, pairing_hash=token_hash(token), created=timezone.localdate()
        )
        log.record(
            "kiosk.register",
            actor=actor,
            obj=kiosk,
            campaign_code=window.campaign.code,
            detail={"window": window.unit.code, "name": name},
        )
    return kiosk, token


def do_pair_kiosk(token: str) -> Kiosk | None:
    """Use a pairing token once: the device that opens it becomes the window's kiosk."""
    with transaction.atomic():
        kiosk = (
            Kiosk.objects.select_for_update()
            .select_related("window__campaign", "window__unit")
            .filter(pairing_hash=token_hash(token), paired=False, revoked=False)
            .first()
        )
        if kiosk is None:
            return None
        kiosk.paired = True
        kiosk.save(update_fields=["paired"])
        log.record(
            "kiosk.pair",
            obj=kiosk,
            campaign_code=kiosk.window.campaign.code,
            detail={"window": kiosk.window.unit.code, "name": kiosk.name},
        )
    return kiosk


def do_revoke_kiosk(actor: Any, kiosk: Kiosk) -> None:
    with transaction.atomic():
        Kiosk.objects.filter(pk=kiosk.pk).update(revoked=True)
        log.record(
            "kiosk.revoke",
            actor=actor,
            obj=kiosk,
            campaign_code=kiosk.window.campaign.code,
            detail={"window": kiosk.window.unit.code, "name": kiosk.name},
        )


def do_mark_comment(actor: Any, comment: Comment, follow_up: bool) -> Comment:
    """Mark a comment as a problem to follow up (R-26); the cases app registers it."""
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(follow_up=follow_up)
        comment.follow_up = follow_up
        log.record(
            "comment.mark" if follow_up else "comment.unmark",
            actor=actor,
            obj=comment,
            campaign_code=comment.campaign.code,
            detail={"unit": comment.unit.code, "follow_up": follow_up},
        )
    return comment


def do_decide_quarantined(actor: Any, ballot: Ballot, accept: bool) -> Ballot:
    """Release a ballot held for review into the count, or reject it (kept, never deleted)."""
    with transaction.atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != Ballot.Status.QUARANTINED:
            raise InvalidInput([InputProblem("这份答卷不在待复核状态。")])
        if accept:
            indicators = dict(ballot.campaign.indicators.values_list("code", "id"))
            levels = dict(ballot.campaign.levels.values_list("label", "id"))
            Answer.objects.bulk_create(
                Answer(
                    ballot=ballot,
                    campaign_id=ballot.campaign_id,
                    method_id=ballot.method_id,
                    unit_id=ballot.unit_id,
                    indicator_id=indicators[code],
                    level_id=levels[label],
                )
                for code, label in (ballot.held_answers or {}).items()
                if code in indicators and label in levels
            )
            ballot.status, ballot.held_answers = Ballot.Status.ACCEPTED, None
        else:
            ballot.status = Ballot.Status.REJECTED
        ballot.save(update_fields=["status", "held_answers"])
        log.record(
            "ballot.accept" if accept else "ballot.reject",
            actor=actor,
            obj=ballot,
            campaign_code=ballot.campaign.code,
            detail={"unit": ballot.unit.code, "method": ballot.method.code},
        )
    return ballot
