"""State changes of oversight: each one function, one transaction, one audit entry."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from minping.audit import log
from minping.campaigns.batches import (
    ImportSummary,
    check_not_imported,
    import_transaction,
    record_import,
    summary,
)
from minping.campaigns.bodies import body_name
from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    IneligibilityRule,
    VetoRule,
)
from minping.lib import uploads
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.orgs.access import has_role, source_codes
from minping.orgs.models import Role, Unit
from minping.oversight.importers import (
    DEDUCTION_COLUMNS,
    VETO_COLUMNS,
    DeductionReader,
    VetoReader,
)
from minping.oversight.models import (
    Consequence,
    ConsequenceKind,
    ContactCard,
    Deduction,
    Ineligibility,
    PersonAward,
    Review,
    ReviewedItem,
    Submission,
    SubmissionRequirement,
    Veto,
    Visit,
    VisitPhoto,
    VisitPlan,
)
from minping.oversight.storage import delete_after_commit

M = TypeVar("M", bound=models.Model)
BATCH = 1000


def do_import_deductions(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
    dry_run: bool = False,
    problems: ProblemCollector | None = None,
) -> ImportSummary:
    """Add the deductions of a file to ``campaign``, all or nothing.

    Deductions dated outside the campaign's window are stored (the scoring
    engine leaves them out and says why) and counted in a warning.
    """
    problems = ProblemCollector() if problems is None else problems
    with open_table(path, DEDUCTION_COLUMNS) as table, import_transaction(dry_run=dry_run):
        check_not_imported("deductions", campaign, table, force=force)
        reader = DeductionReader(campaign, table, problems)
        stored = store_in_batches(Deduction, reader.read(progress))
        problems.raise_if_any(table.name)
        counts = {"deductions": stored, "outside_window": reader.outside_window}
        batch = record_import("deductions", campaign, table, actor=actor, counts=counts)
    warnings = []
    if reader.outside_window:
        start = campaign.deductions_from or "…"
        end = campaign.deductions_to or "…"
        warnings.append(
            f"注意:有 {reader.outside_window:,} 条减分的日期不在本活动的减分期间"
            f"({start} 至 {end})内,已导入但不计分"
        )
    text = f"已导入 {stored:,} 条减分到 {campaign.code}"
    return summary("deductions", campaign, table, batch, text, counts, warnings)


def do_import_vetoes(
    campaign: Campaign,
    path: Path | str,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    force: bool = False,
    dry_run: bool = False,
    problems: ProblemCollector | None = None,
) -> ImportSummary:
    """Add the vetoes of a file to ``campaign``, all or nothing."""
    problems = ProblemCollector() if problems is None else problems
    with open_table(path, VETO_COLUMNS) as table, import_transaction(dry_run=dry_run):
        check_not_imported("vetoes", campaign, table, force=force)
        reader = VetoReader(campaign, table, problems)
        stored = store_in_batches(Veto, reader.read(progress))
        problems.raise_if_any(table.name)
        counts = {"vetoes": stored}
        batch = record_import("vetoes", campaign, table, actor=actor, counts=counts)
    warnings = []
    if reader.outside_period:
        start, end = reader.period
        warnings.append(
            f"注意:有 {reader.outside_period:,} 条一票否决的日期不在本活动的期间"
            f"({start} 至 {end})内;已导入,请核对(第 2 版定义文件会拒绝这样的日期)"
        )
    text = f"已导入 {stored:,} 条一票否决到 {campaign.code}"
    return summary("vetoes", campaign, table, batch, text, counts, warnings)


def store_in_batches(model: type[M], objects: Iterable[M]) -> int:
    """bulk_create ``objects`` a batch at a time, so a long file never sits in memory whole."""
    stored = 0
    iterator = iter(objects)
    while batch := list(islice(iterator, BATCH)):
        model._default_manager.bulk_create(batch)
        stored += len(batch)
    return stored


class NotAllowed(Exception):
    """A step the workflow or the actor's role does not allow; the message says why, in Chinese."""


def _check_may_propose(actor: Any, source: str) -> None:
    """Members and heads of a source propose for it; the organiser and the system may too."""
    if actor is None or has_role(actor, Role.ORGANISER):
        return
    if source not in source_codes(actor):
        raise NotAllowed(f"只有减分提出单位“{body_name(source)}”的工作人员可以提出。")


def _item_label(item: ReviewedItem) -> str:
    return "减分" if isinstance(item, Deduction) else "一票否决"


def _source_of(item: ReviewedItem) -> str:
    if isinstance(item, Deduction):
        return item.source_code
    assert isinstance(item, Veto)
    return item.source_code


def _audit_name(item: ReviewedItem) -> str:
    return "deduction" if isinstance(item, Deduction) else "veto"


def _check_window(campaign: Campaign, date: datetime.date) -> None:
    start, end = campaign.deductions_from, campaign.deductions_to
    if (start and date < start) or (end and date > end):
        raise InvalidInput(
            [
                InputProblem(
                    f"事件日期 {date} 不在本活动的减分期间({start or '不限'} 至 {end or '不限'})内",
                    column="事件日期",
                )
            ]
        )


def do_propose_deduction(
    *,
    campaign: Campaign,
    unit: Unit,
    rule: DeductionRule,
    date: datetime.date,
    count: int = 1,
    evidence: str = "",
    actor: Any = None,
    document_number: str = "",
    attachment: File | None = None,
    source_code: str = "",
    points: Decimal | None = None,
) -> Deduction:
    """Record a proposed deduction; it does not count until signed off and accepted (R-21).

    Other apps (a confirmed repeat complaint, an inspection finding) propose
    deductions only through this function. Raises NotAllowed when ``actor``
    neither acts for the rule's source nor is an organiser.
    """
    if rule.campaign_id != campaign.pk:
        raise NotAllowed("减分规则不属于这个评议活动。")
    source = _proposer(rule, actor, source_code)
    _check_may_propose(actor, source.code)
    if count < 1:
        raise InvalidInput([InputProblem("次数至少为 1", column="次数")])
    if rule.max_points is not None and (points is None or not 0 < points <= rule.max_points):
        top = f"{rule.max_points.normalize():f}"
        message = f"“{rule.title}”的分值逐件确定:请填写每次减分,大于 0、不超过 {top} 分"
        raise InvalidInput([InputProblem(message, column="每次减分")])
    if rule.max_points is None:
        points = None
    with transaction.atomic():
        deduction = Deduction(
            campaign=campaign,
            unit=unit,
            rule=rule,
            date=date,
            count=count,
            evidence=evidence,
            document_number=document_number,
            status=Review.PROPOSED,
            source=source if rule.sources else None,
            points=points,
        )
        _store_proposal(deduction, actor, attachment)
        log.record(
            "deduction.propose",
            actor=actor,
            obj=deduction,
            campaign_code=campaign.code,
            detail={
                "unit": unit.code,
                "rule": rule.code,
                "date": date,
                "count": count,
                "document_number": document_number,
            },
        )
    return deduction


def _proposer(rule: DeductionRule, actor: Any, source_code: str) -> DeductionSource:
    """The body proposing a deduction: the rule's source, or for a rule several bodies
    propose (version 2) the one named, else the only one of them the actor acts for."""
    if not rule.sources:
        return rule.source
    sources = {s.code: s for s in DeductionSource.objects.filter(campaign_id=rule.campaign_id)}
    if not source_code:
        mine = [c for c in rule.sources if actor is not None and c in source_codes(actor)]
        source_code = mine[0] if len(mine) == 1 else ""
    if source_code not in rule.sources or source_code not in sources:
        names = "、".join(sources[c].title for c in rule.sources if c in sources)
        raise NotAllowed(f"“{rule.title}”有多个提出单位({names}),请写明由哪一个提出。")
    return sources[source_code]


def do_propose_veto(
    *,
    campaign: Campaign,
    unit: Unit,
    rule: VetoRule,
    date: datetime.date,
    source_code: str,
    evidence: str = "",
    document_number: str = "",
    attachment: File | None = None,
    actor: Any = None,
) -> Veto:
    """A discipline body proposes a veto (R-22); its head signs off, the organiser decides.

    An organiser may record one with an empty ``source_code``: there is no head
    to sign, so it goes straight to review.
    """
    if rule.campaign_id != campaign.pk:
        raise NotAllowed("一票否决规则不属于这个评议活动。")
    if source_code:
        _check_may_propose(actor, source_code)
    elif actor is not None and not has_role(actor, Role.ORGANISER):
        raise NotAllowed("请选择提出单位。")
    start, end = campaign.as_definition().period
    if campaign.format >= 2 and not start <= date <= end:
        raise InvalidInput(
            [InputProblem(f"日期 {date} 不在本活动的期间({start} 至 {end})内", column="日期")]
        )
    with transaction.atomic():
        veto = Veto(
            campaign=campaign,
            unit=unit,
            rule=rule,
            date=date,
            source_code=source_code,
            evidence=evidence,
            document_number=document_number,
            status=Review.PROPOSED if source_code else Review.SIGNED_OFF,
        )
        _store_proposal(veto, actor, attachment)
        log.record(
            "veto.propose",
            actor=actor,
            obj=veto,
            campaign_code=campaign.code,
            detail={"unit": unit.code, "rule": rule.code, "date": date, "source": source_code},
        )
    return veto


def _store_proposal(item: ReviewedItem, actor: Any, attachment: File | None) -> None:
    """Save a new deduction or veto with who proposed it and its evidence file."""
    item.proposed_by = actor if getattr(actor, "pk", None) else None
    if attachment is not None:
        checked = uploads.accept(attachment, uploads.DOCUMENT, column="附件")
        item.attachment.save(checked.name or "附件", checked, save=False)
        item.attachment_type = checked.content_type
    item.save()


def _locked(item: ReviewedItem) -> ReviewedItem:
    """The item re-read under a row lock, so two reviewers never both decide it."""
    model = type(item)
    return model._default_manager.select_for_update().get(pk=item.pk)


def do_sign_off(item: ReviewedItem, *, actor: Any) -> ReviewedItem:
    """The proposing body's head signs a proposed deduction or veto (R-21)."""
    label = _item_label(item)
    with transaction.atomic():
        item = _locked(item)
        source = _source_of(item)
        if source not in source_codes(actor, Role.SOURCE_HEAD):
            raise NotAllowed(f"只有提出单位“{body_name(source) or '组织单位'}”的负责人可以签字。")
        if item.status != Review.PROPOSED:
            raise NotAllowed(f"这条{label}{item.get_status_display()},不能再签字。")
        item.status = Review.SIGNED_OFF
        item.signed_off_by = actor
        item.signed_off_at = timezone.now()
        item.save(update_fields=["status", "signed_off_by", "signed_off_at"])
        log.record(
            f"{_audit_name(item)}.sign_off",
            actor=actor,
            obj=item,
            campaign_code=item.campaign.code,
            detail={"unit": item.unit.code, "source": source},
        )
    return item


def do_accept(item: ReviewedItem, *, actor: Any, reason: str = "") -> ReviewedItem:
    """The organiser accepts a signed-off deduction or veto: from now on it counts."""
    return _decide(item, actor=actor, reason=reason, accept=True)


def do_reject(item: ReviewedItem, *, actor: Any, reason: str) -> ReviewedItem:
    """Refuse a deduction or veto, with the reason (R-21).

    The organiser rejects one awaiting review; the proposing body's head may
    decline to sign one still proposed.
    """
    return _decide(item, actor=actor, reason=reason, accept=False)


def _decide(item: ReviewedItem, *, actor: Any, reason: str, accept: bool) -> ReviewedItem:
    label = _item_label(item)
    reason = reason.strip()
    if not accept and not reason:
        raise InvalidInput([InputProblem("不采纳必须写明理由", column="审核意见")])
    with transaction.atomic():
        item = _locked(item)
        source = _source_of(item)
        organiser = has_role(actor, Role.ORGANISER)
        head_declines = (
            not accept
            and item.status == Review.PROPOSED
            and source in source_codes(actor, Role.SOURCE_HEAD)
        )
        if not organiser and not head_declines:
            raise NotAllowed(f"只有组织单位可以审核{label}。")
        if not head_declines and item.status != Review.SIGNED_OFF:
            if item.status == Review.PROPOSED:
                raise NotAllowed(f"这条{label}还没有经提出单位负责人签字,不能审核。")
            raise NotAllowed(f"这条{label}{item.get_status_display()},不能再审核。")
        item.status = Review.ACCEPTED if accept else Review.REJECTED
        item.decided_by = actor
        item.decided_at = timezone.now()
        item.reason = reason
        item.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        log.record(
            f"{_audit_name(item)}.{'accept' if accept else 'reject'}",
            actor=actor,
            obj=item,
            campaign_code=item.campaign.code,
            detail={"unit": item.unit.code, "reason": reason},
        )
    return item


# --- award eligibility -------------------------------------------------------------


def do_withdraw_eligibility(
    campaign: Campaign,
    unit: Unit,
    *,
    reason: str,
    actor: Any,
    rule: IneligibilityRule | None = None,
) -> Ineligibility:
    """A unit caught canvassing or faking material, or failing to rectify, cannot be
    graded excellent (R-39). Where the definition lists the reasons (version 2,
    ``[[ineligibility]]``) one of them must be named; ``reason`` then adds the details."""
    reason = reason.strip()
    has_rules = IneligibilityRule.objects.filter(campaign=campaign).exists()
    if rule is not None and rule.campaign_id != campaign.pk:
        raise NotAllowed("这个取消评优资格的情形不属于本活动。")
    if has_rules and rule is None:
        raise InvalidInput([InputProblem("请选择取消评优资格的情形", column="情形")])
    if not reason and rule is None:
        raise InvalidInput([InputProblem("请写明取消评优资格的原因", column="原因")])
    with transaction.atomic():
        if Ineligibility.objects.filter(campaign=campaign, unit=unit).exists():
            raise NotAllowed(f"{unit.name}在本活动中已被取消评优资格。")
        item = Ineligibility.objects.create(
            campaign=campaign, unit=unit, reason=reason, created_by=actor, rule=rule
        )
        detail = {"unit": unit.code, "reason": reason}
        if rule is not None:
            detail["rule"] = rule.code
        log.record(
            "eligibility.withdraw",
            actor=actor,
            obj=item,
            campaign_code=campaign.code,
            detail=detail,
        )
    return item


def do_restore_eligibility(item: Ineligibility, *, reason: str, actor: Any) -> None:
    """Undo a withdrawal made in error; the reason is kept in the log."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput([InputProblem("请写明恢复评优资格的原因", column="原因")])
    with transaction.atomic():
        log.record(
            "eligibility.restore",
            actor=actor,
            obj=item,
            campaign_code=item.campaign.code,
            detail={"unit": item.unit.code, "reason": reason, "was": item.shown_reason},
        )
        item.delete()


# --- R-40 and person awards: what the office records against the results -----------------


def _reason(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput([InputProblem(f"请写明{what}", column="原因")])
    return text


def do_record_consequence(
    campaign: Campaign,
    unit: Unit,
    *,
    kind: str,
    date: datetime.date,
    summary: str,
    document_number: str = "",
    actor: Any,
) -> Consequence:
    """Record an admonishment talk, an accountability action or an exposure (R-40)."""
    problems: list[InputProblem] = []
    if kind not in ConsequenceKind.values:
        problems.append(InputProblem("请选择约谈、问责或公开曝光", column="类别"))
    summary = summary.strip()
    if not summary:
        problems.append(InputProblem("请写明经过和结果", column="经过和结果"))
    if date > timezone.localdate():
        problems.append(InputProblem("日期不能晚于今天:这里记录已经做了的事", column="日期"))
    if not campaign.participation().takes_part(unit.code):
        problems.append(InputProblem(f"{unit.name}不参加本次评议", column="单位"))
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        item = Consequence.objects.create(
            campaign=campaign,
            unit=unit,
            kind=kind,
            date=date,
            summary=summary,
            document_number=document_number.strip(),
            created_by=actor,
        )
        log.record(
            "consequence.record",
            actor=actor,
            obj=item,
            campaign_code=campaign.code,
            detail={
                "unit": unit.code,
                "kind": kind,
                "date": date.isoformat(),
                "summary": summary,
                "document_number": item.document_number,
            },
        )
    return item


def _delete_record(
    item: Consequence | PersonAward, *, action: str, detail: dict[str, Any], actor: Any
) -> None:
    """Delete a record made in error; what it said stays in the log with the reason."""
    with transaction.atomic():
        log.record(
            action,
            actor=actor,
            obj=item,
            campaign_code=item.campaign.code,
            detail={"unit": item.unit.code, **detail},
        )
        item.delete()


def do_delete_consequence(item: Consequence, *, reason: str, actor: Any) -> None:
    """Take back a talk, accountability or exposure recorded in error."""
    reason = _reason(reason, "删除这条记录的原因")
    detail = {"kind": item.kind, "date": item.date.isoformat(), "summary": item.summary}
    _delete_record(
        item, action="consequence.delete", detail={**detail, "reason": reason}, actor=actor
    )


def do_record_person_award(
    campaign: Campaign,
    unit: Unit,
    *,
    person: str,
    position: str = "",
    award: str,
    actor: Any,
) -> PersonAward:
    """Name a person for an award the results give, e.g. 优秀服务窗口负责人 (seed 003)."""
    person, position, award = person.strip(), position.strip(), award.strip()
    problems: list[InputProblem] = []
    if not person:
        problems.append(InputProblem("请填写姓名", column="姓名"))
    if not award:
        problems.append(InputProblem("请填写奖项名称", column="奖项"))
    if not campaign.participation().takes_part(unit.code):
        problems.append(InputProblem(f"{unit.name}不参加本次评议", column="单位"))
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        if PersonAward.objects.filter(
            campaign=campaign, unit=unit, person=person, award=award
        ).exists():
            raise NotAllowed(f"{unit.name}的{person}已登记为“{award}”。")
        item = PersonAward.objects.create(
            campaign=campaign,
            unit=unit,
            person=person,
            position=position,
            award=award,
            created_by=actor,
        )
        log.record(
            "person_award.record",
            actor=actor,
            obj=item,
            campaign_code=campaign.code,
            detail={"unit": unit.code, "person": person, "position": position, "award": award},
        )
    return item


def do_delete_person_award(item: PersonAward, *, reason: str, actor: Any) -> None:
    """Take back an award recorded in error; the log keeps whom it named and why."""
    reason = _reason(reason, "撤销的原因")
    detail = {"person": item.person, "award": item.award, "reason": reason}
    _delete_record(item, action="person_award.delete", detail=detail, actor=actor)


# --- what units submit ---------------------------------------------------------------


def do_set_requirement(
    campaign: Campaign,
    *,
    kind: str,
    title: str,
    due: datetime.date,
    actor: Any,
    requirement: SubmissionRequirement | None = None,
) -> SubmissionRequirement:
    """Create a submission requirement, or change an existing one's title and deadline.

    One the definition file states is changed in the file, so that the file stays
    the whole truth about the campaign (a reload would undo a change made here).
    """
    title = title.strip()
    if not title:
        raise InvalidInput([InputProblem("请填写名称", column="名称")])
    if requirement is not None and requirement.from_definition:
        raise InvalidInput(
            [
                InputProblem(
                    f"“{requirement.title}”写在定义文件中([[submissions]]),"
                    "请在“修改定义”中修改它的截止日期或名称",
                    column="截止日期",
                )
            ]
        )
    with transaction.atomic():
        clash = SubmissionRequirement.objects.filter(campaign=campaign, kind=kind, title=title)
        if requirement is not None:
            clash = clash.exclude(pk=requirement.pk)
        if clash.exists():
            raise InvalidInput([InputProblem(f"已有同名的报送要求“{title}”", column="名称")])
        created = requirement is None
        if requirement is None:
            requirement = SubmissionRequirement(campaign=campaign)
        old = {"title": requirement.title, "due": requirement.due}
        requirement.kind, requirement.title, requirement.due = kind, title, due
        requirement.save()
        log.record(
            "requirement.create" if created else "requirement.update",
            actor=actor,
            obj=requirement,
            campaign_code=campaign.code,
            detail={"kind": kind, "title": title, "due": due, **({} if created else {"old": old})},
        )
    return requirement


def do_submit(
    requirement: SubmissionRequirement,
    unit: Unit,
    *,
    actor: Any,
    text: str = "",
    file: File | None = None,
) -> Submission:
    """A unit hands in (or replaces) what a requirement asks for; lateness is noted, not refused."""
    text = text.strip()
    if requirement.wants_text and not text:
        raise InvalidInput([InputProblem("请填写内容", column="内容")])
    if not requirement.wants_text and file is None:
        raise InvalidInput([InputProblem("请选择要上传的文件", column="文件")])
    checked = uploads.accept(file, uploads.DOCUMENT, column="文件") if file is not None else None
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(requirement=requirement, unit=unit)
            .first()
        )
        replaced = submission is not None
        if submission is None:
            submission = Submission(requirement=requirement, unit=unit)
        submission.text = text
        submission.submitted_at = timezone.now()
        submission.submitted_by = actor
        if checked is not None:
            earlier = submission.file.name or ""
            submission.file.save(checked.name or "材料", checked, save=False)
            submission.file_type = checked.content_type
            if earlier != submission.file.name:
                delete_after_commit(earlier)  # a replaced file is not kept (storage.py)
        submission.save()
        log.record(
            "submission.replace" if replaced else "submission.submit",
            actor=actor,
            obj=submission,
            campaign_code=requirement.campaign.code,
            detail={
                "unit": unit.code,
                "requirement": requirement.title,
                "late": submission.late,
                "file": submission.file.name if submission.file else "",
            },
        )
    return submission


# --- inspectors ------------------------------------------------------------------


def do_plan_visit(
    *,
    campaign: Campaign,
    unit: Unit,
    year: int,
    quarter: int,
    kind: str,
    focus: str = "",
    actor: Any,
) -> VisitPlan:
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput([InputProblem("季度只能是 1 至 4", column="季度")])
    with transaction.atomic():
        plan = VisitPlan.objects.create(
            campaign=campaign,
            inspector=actor,
            unit=unit,
            year=year,
            quarter=quarter,
            kind=kind,
            focus=focus.strip(),
        )
        log.record(
            "visit.plan",
            actor=actor,
            obj=plan,
            campaign_code=campaign.code,
            detail={"unit": unit.code, "year": year, "quarter": quarter, "kind": kind},
        )
    return plan


def do_record_visit(
    *,
    campaign: Campaign,
    unit: Unit,
    date: datetime.date,
    kind: str,
    findings: str,
    score: Any = None,
    plan: VisitPlan | None = None,
    photos: Iterable[File] = (),
    actor: Any,
) -> Visit:
    """Record a visit with its findings, an optional 0–100 score and photos."""
    findings = findings.strip()
    problems = ProblemCollector()
    if not findings:
        problems.add("请填写发现的问题(没有问题也请写明)", column="发现的问题")
    if score is not None and not (0 <= score <= 100):
        problems.add("评分应在 0 到 100 之间", column="评分")
    problems.raise_if_any()
    checked = uploads.accept_all(photos, uploads.PHOTO, column="照片")
    with transaction.atomic():
        visit = Visit.objects.create(
            campaign=campaign,
            plan=plan,
            inspector=actor,
            unit=unit,
            date=date,
            kind=kind,
            findings=findings,
            score=score,
        )
        names = []
        for photo in checked:
            stored = VisitPhoto(visit=visit, file_type=photo.content_type)
            stored.file.save(photo.name or "照片", photo, save=True)
            names.append(stored.file.name)
        log.record(
            "visit.record",
            actor=actor,
            obj=visit,
            campaign_code=campaign.code,
            detail={"unit": unit.code, "date": date, "kind": kind, "score": score, "photos": names},
        )
    return visit


def do_save_contact_card(
    *,
    unit: Unit,
    contact_name: str,
    contact_phone: str = "",
    notes: str = "",
    actor: Any,
    card: ContactCard | None = None,
) -> ContactCard:
    """Create or update an inspector's contact card (联系卡, R-36) with a unit."""
    contact_name = contact_name.strip()
    if not contact_name:
        raise InvalidInput([InputProblem("请填写单位联系人", column="单位联系人")])
    with transaction.atomic():
        created = card is None
        if card is None:
            card = ContactCard(inspector=actor, unit=unit)
        card.unit = unit
        card.contact_name = contact_name
        card.contact_phone = contact_phone.strip()
        card.notes = notes.strip()
        card.save()
        log.record(
            "contact_card.create" if created else "contact_card.update",
            actor=actor,
            obj=card,
            detail={"unit": unit.code, "contact": contact_name},
        )
    return card
