"""State changes of the sample library: each one function, one transaction, one audit entry.

Looking at a whole list of people, or exporting one, changes nothing but is
personal-information processing (个人信息保护法): :func:`record_access` writes
an audit entry for it too.
"""

from __future__ import annotations

import datetime
import random
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from django.db import transaction
from django.utils import timezone

from minping.audit import log
from minping.campaigns.models import Campaign, Method
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.oversight.models import Submission, SubmissionKind
from minping.panels import sampling
from minping.panels.frame import Frame, read_frame, taken_ids
from minping.panels.importers import COLUMNS, PoolImporter, insert_values
from minping.panels.models import (
    Draw,
    DrawMember,
    DrawStratum,
    InvitationBatch,
    Pool,
    PoolImport,
    Respondent,
    Retention,
    StratumInvitation,
)
from minping.panels.privacy import delete_on, due_for_deletion
from minping.panels.scope import stratum_units
from minping.surveys.actions import Holder, do_issue_invitations
from minping.surveys.models import CollectionSettings, Invitation
from minping.surveys.questionnaires import settings_for
from minping.surveys.tokens import holder_key, token_hash

TITLE_MAX = 100
MEMBER_BATCH = 5000
MEMBER_FIELDS = ["stratum", "respondent", "reserve", "position", "invited"]


def _invalid(message: str, column: str = "") -> InvalidInput:
    return InvalidInput([InputProblem(message, column=column)])


# --- Pools ----------------------------------------------------------------------------------


def do_create_pool(actor: Any, campaign: Campaign, title: str) -> Pool:
    title = title.strip()
    if not title or len(title) > TITLE_MAX:
        raise _invalid(f"请填写样本库名称(不超过 {TITLE_MAX} 字)。", "名称")
    with transaction.atomic():
        if Pool.objects.filter(campaign=campaign, title=title).exists():
            raise _invalid(f"本活动已有名为“{title}”的样本库。", "名称")
        pool = Pool.objects.create(campaign=campaign, title=title, created_by=actor)
        log.record(
            "panel.create",
            actor=actor,
            obj=pool,
            campaign_code=campaign.code,
            detail={"pool": title},
        )
    return pool


def _import(
    actor: Any,
    pool: Pool,
    path: Path | str,
    *,
    filename: str,
    submission: Submission | None = None,
    progress: Progress | None = None,
) -> PoolImport:
    """Read a file into ``pool``, all or nothing; the caller holds the transaction."""
    problems = ProblemCollector()
    # One import into a pool at a time, so that "added" counts this file's people only.
    Pool.objects.select_for_update().filter(pk=pool.pk).first()
    with open_table(path, COLUMNS) as table:
        before = Respondent.objects.filter(pool=pool).count()
        origin = PoolImport.objects.create(
            pool=pool,
            submission=submission,
            filename=filename[:255],
            sha256=table.sha256,
            rows=0,
            added=0,
            merged=0,
            created_by=actor,
        )
        importer = PoolImporter(
            pool, origin, table, problems, unit_id=submission.unit_id if submission else None
        )
        importer.run(progress)
        problems.raise_if_any(filename)
    origin.rows = importer.rows
    origin.added = Respondent.objects.filter(pool=pool).count() - before
    origin.merged = origin.rows - origin.added
    origin.save(update_fields=["rows", "added", "merged"])
    log.record(
        "panel.accept_list" if submission else "panel.import",
        actor=actor,
        obj=pool,
        campaign_code=pool.campaign.code,
        detail={
            "pool": pool.title,
            "file": filename,
            "sha256": origin.sha256,
            "rows": origin.rows,
            "added": origin.added,
            "merged": origin.merged,
            **({"unit": submission.unit.code} if submission else {}),
        },
    )
    return origin


def do_import_pool(
    actor: Any,
    pool: Pool,
    path: Path | str,
    *,
    filename: str = "",
    progress: Progress | None = None,
) -> PoolImport:
    """Add a CSV or XLSX file's people to a pool; duplicates (by phone) are merged.

    Raises InvalidInput listing every bad cell by line and column; then nothing is stored.
    """
    with transaction.atomic():
        return _import(
            actor, pool, path, filename=filename or PurePath(path).name, progress=progress
        )


def service_lists(campaign: Campaign) -> list[Submission]:
    """The service-object lists (R-04) units submitted for the campaign, with a file."""
    return list(
        Submission.objects.filter(
            requirement__campaign=campaign, requirement__kind=SubmissionKind.DUTIES
        )
        .exclude(file="")
        .select_related("unit", "requirement")
        .order_by("unit__code")
    )


def do_accept_service_list(actor: Any, submission: Submission, pool: Pool) -> PoolImport:
    """Take a unit's service-object list into a pool once the organiser accepts it (R-04).

    Everyone on the list dealt with the submitting unit. Only Excel lists can be
    read; a PDF or Word document is refused with a message, and nothing changes.
    """
    if submission.requirement.campaign_id != pool.campaign_id:
        raise _invalid("这份名单不属于该样本库的评议活动。")
    if submission.requirement.kind != SubmissionKind.DUTIES or not submission.file:
        raise _invalid("只能接受各单位报送的服务对象名单。")
    if not (submission.file.name or "").lower().endswith(".xlsx"):
        raise _invalid(
            f"{submission.unit.name}报送的是文档,不是 Excel 表格,无法导入样本库;"
            "请该单位按模板报送 .xlsx 表格。"
        )
    if submission.unit_id not in {unit.pk for unit in stratum_units(pool.campaign)}:
        raise _invalid(f"{submission.unit.name}不是本次活动的参评单位,名单不能作为抽样依据。")
    filename = f"{submission.unit.name}·{submission.requirement.title}.xlsx"
    with tempfile.TemporaryDirectory() as folder, transaction.atomic():
        copy = Path(folder) / "list.xlsx"
        with submission.file.open("rb") as source:
            copy.write_bytes(source.read())
        return _import(actor, pool, copy, filename=filename, submission=submission)


def accepted_lists(pool: Pool) -> dict[int, str]:
    """Submission id → SHA-256 of the file accepted, for the lists taken into ``pool``."""
    return dict(
        PoolImport.objects.filter(pool=pool, submission__isnull=False).values_list(
            "submission_id", "sha256"
        )
    )


def record_access(
    actor: Any, pool: Pool, action: str, detail: Mapping[str, Any] | None = None
) -> None:
    """Audit a view of a whole list of people (``panel.view``) or an export (``panel.export``)."""
    with transaction.atomic():
        log.record(
            action,
            actor=actor,
            obj=pool,
            campaign_code=pool.campaign.code,
            detail={"pool": pool.title, **(detail or {})},
        )


# --- Keeping and deleting -------------------------------------------------------------------


def do_keep_pool(actor: Any, pool: Pool, *, reason: str, until: datetime.date) -> Retention:
    """Record the office's decision to keep a pool until a date (after which it is deleted)."""
    reason = reason.strip()
    problems = ProblemCollector()
    if not reason:
        problems.add("请写明保留的理由。", column="保留理由")
    if until <= timezone.localdate():
        problems.add("删除日期必须在今天之后。", column="删除日期")
    problems.raise_if_any()
    with transaction.atomic():
        retention, created = Retention.objects.update_or_create(
            pool=pool, defaults={"reason": reason, "delete_on": until, "decided_by": actor}
        )
        log.record(
            "panel.keep",
            actor=actor,
            obj=pool,
            campaign_code=pool.campaign.code,
            detail={"pool": pool.title, "reason": reason, "delete_on": until, "new": created},
        )
    return retention


def delete_pool_rows(pool: Pool) -> int:
    """Delete a pool's people and what draws hold of them, in two statements; returns the people.

    Draws keep their report (strata and counts) and the strata keep their invitations.
    """
    DrawMember.objects.filter(respondent__pool=pool).delete()
    deleted, _ = Respondent.objects.filter(pool=pool).delete()
    return deleted


def do_delete_pool(actor: Any, pool: Pool, *, why: str) -> int:
    """Delete a pool and everyone in it; returns how many people were deleted."""
    with transaction.atomic():
        pool = Pool.objects.select_for_update().select_related("campaign").get(pk=pool.pk)
        until = delete_on(pool)
        log.record(
            "panel.delete",
            actor=actor,
            obj=pool,
            campaign_code=pool.campaign.code,
            detail={"pool": pool.title, "why": why, "due": until},
        )
        people = delete_pool_rows(pool)
        pool.delete()
    return people


def purge_pools(today: datetime.date | None = None) -> list[tuple[str, int]]:
    """Delete every pool whose day has come (``minping panels purge``, daily); audited each."""
    done = []
    for pool in due_for_deletion(today):
        label = f"{pool.campaign.title} · {pool.title}"
        why = "保留期满" if hasattr(pool, "retention") else "评议活动已结束"
        done.append((label, do_delete_pool(None, pool, why=why)))
    return done


# --- Draws ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawPlan:
    """How big the sample is: per stratum (FIXED) or a total shared by the frame (PROPORTIONAL)."""

    allocation: str
    total: int = 0
    minimum_per_unit: int = 0
    per_stratum: int = 0
    sizes: Mapping[sampling.StratumKey, int] = field(default_factory=dict)
    reserve_percent: int = 0
    target: int = 0

    def check(self) -> None:
        problems = ProblemCollector()
        if self.allocation == Draw.PROPORTIONAL and self.total < 1:
            problems.add("请填写样本总数(至少 1 人)。", column="样本总数")
        if self.allocation == Draw.FIXED and self.per_stratum < 1 and not any(self.sizes.values()):
            problems.add("请填写每层抽取的人数。", column="每层人数")
        if self.allocation not in (Draw.FIXED, Draw.PROPORTIONAL):
            problems.add("请选择分配方式。", column="分配方式")
        if not 0 <= self.reserve_percent <= 100:
            problems.add("备用样本比例应在 0 到 100 之间。", column="备用样本")
        if self.minimum_per_unit < 0 or self.target < 0 or self.per_stratum < 0:
            problems.add("人数不能为负数。")
        problems.raise_if_any()

    def sample_sizes(
        self, frames: Mapping[sampling.StratumKey, int]
    ) -> dict[sampling.StratumKey, int]:
        if self.allocation == Draw.PROPORTIONAL:
            return sampling.allocate_proportional(frames, self.total, self.minimum_per_unit)
        wanted = {key: self.sizes.get(key, self.per_stratum) for key in frames}
        return sampling.allocate_fixed(frames, wanted)

    def requested(self, key: sampling.StratumKey, drawn: int) -> int:
        if self.allocation == Draw.PROPORTIONAL:
            return drawn
        return self.sizes.get(key, self.per_stratum)


def do_make_draw(
    actor: Any,
    method: Method,
    pool: Pool,
    plan: DrawPlan,
    *,
    round: int = 1,
    seed: int | None = None,
    reason: str = "",
    replacing: Draw | None = None,
) -> Draw:
    """Draw a stratified random sample and its reserve from ``pool`` for a method's round.

    One draw per method and round is in force; ``replacing`` (with a ``reason``)
    is how a redraw takes its place, and only before any invitation was issued
    from it. ``seed`` defaults to a fresh random one; either way it is recorded.
    """
    plan.check()
    campaign = method.campaign
    if method.input != Method.BALLOTS:
        raise _invalid(f"“{method.title}”直接录入得分,不需要抽样。")
    if pool.campaign_id != campaign.pk:
        raise _invalid("样本库不属于这个评议活动。")
    settings = settings_for(method)
    if not 1 <= round <= max(settings.rounds, 1):
        raise _invalid(f"“{method.title}”共 {settings.rounds} 轮,没有第 {round} 轮。", "轮次")
    if seed is None:
        seed = sampling.new_seed()
    elif not 0 <= seed < 2**63:
        raise _invalid("随机种子应为不超过 18 位的非负整数。", "随机种子")
    with transaction.atomic():
        # Draws for a method wait for each other: two first draws of a round at once would
        # otherwise both pass the check below and one would fail on the constraint.
        CollectionSettings.objects.select_for_update().filter(pk=settings.pk).first()
        current = (
            Draw.objects.select_for_update()
            .filter(method=method, round=round, in_force=True)
            .first()
        )
        if replacing is None and current is not None:
            raise _invalid(
                f"“{method.title}”第 {round} 轮已经抽过样。要重新抽样,请在那次抽样的页面写明理由。"
            )
        if replacing is not None:
            if current is None or current.pk != replacing.pk:
                raise _invalid("这次抽样已被取代,请刷新页面。")
            if InvitationBatch.objects.filter(draw=current).exists():
                raise _invalid("已按这次抽样发出邀请,不能重新抽样。")
            if not reason.strip():
                raise _invalid("重新抽样必须写明理由。", "理由")
            current.in_force = False
            current.save(update_fields=["in_force"])
        units = {unit.pk for unit in stratum_units(campaign)}
        frame = draw_frame(pool, method, units)
        if not frame.size:
            raise _invalid("样本库中没有可以抽取的人(或都已抽中、已发邀请)。")
        frames = frame.sizes
        try:
            sizes = plan.sample_sizes(frames)
            reserves = sampling.reserve_sizes(frames, sizes, plan.reserve_percent)
        except sampling.AllocationError as error:
            raise _invalid(str(error)) from None
        picked = sampling.draw(frame.strata, sizes, reserves, seed)
        draw = Draw.objects.create(
            campaign=campaign,
            method=method,
            round=round,
            pool=pool,
            pool_title=pool.title,
            seed=seed,
            allocation=plan.allocation,
            total=plan.total if plan.allocation == Draw.PROPORTIONAL else None,
            per_stratum=plan.per_stratum if plan.allocation == Draw.FIXED else 0,
            minimum_per_unit=plan.minimum_per_unit if plan.allocation == Draw.PROPORTIONAL else 0,
            reserve_percent=plan.reserve_percent,
            target=plan.target,
            frame_size=frame.size,
            left_out=frame.left_out,
            sample_size=sum(sizes.values()),
            reserve_size=sum(reserves.values()),
            frame_digest=sampling.frame_digest(frame.strata),
            reason=reason.strip(),
            created_by=actor,
        )
        strata = DrawStratum.objects.bulk_create(
            DrawStratum(
                draw=draw,
                position=position,
                unit_id=key[0] or None,
                category=key[1],
                frame=frames[key],
                requested=plan.requested(key, sizes[key]),
                sample=sizes[key],
                reserve=reserves[key],
            )
            for position, key in enumerate(sorted(frames))
        )
        # Plain rows through one prepared statement: ten thousand model instances would
        # cost more than reading the million-row frame (bench/pool_draw.py).
        members = [
            (stratum.pk, pk, is_reserve, i, False)
            for stratum, key in zip(strata, sorted(frames), strict=True)
            for is_reserve, ids in ((False, picked[key].sample), (True, picked[key].reserve))
            for i, pk in enumerate(ids)
        ]
        for start in range(0, len(members), MEMBER_BATCH):
            insert_values(DrawMember, MEMBER_FIELDS, members[start : start + MEMBER_BATCH])
        if replacing is not None:
            Draw.objects.filter(pk=replacing.pk).update(replaced_by=draw)
        log.record(
            "draw.redraw" if replacing is not None else "draw.make",
            actor=actor,
            obj=draw,
            campaign_code=campaign.code,
            detail={
                "method": method.code,
                "round": round,
                "pool": pool.title,
                "seed": seed,
                "allocation": plan.allocation,
                "total": plan.total,
                "per_stratum": plan.per_stratum,
                "minimum_per_unit": plan.minimum_per_unit,
                "reserve_percent": plan.reserve_percent,
                "frame": frame.size,
                "sample": draw.sample_size,
                "reserve": draw.reserve_size,
                "strata": len(strata),
                "frame_digest": draw.frame_digest,
                **(
                    {"reason": draw.reason, "replaces": replacing.pk, "old_seed": replacing.seed}
                    if replacing is not None
                    else {}
                ),
            },
        )
    return draw


def draw_frame(pool: Pool, method: Method, unit_ids: set[int]) -> Frame:
    """The frame a draw for ``method`` reads from ``pool``: the units' rows not yet drawn or
    invited, of the categories whose answers the method counts (version 2, R-13). One
    function, so that the draw page's preview and the draw itself have the same strata."""
    refusal = method.as_definition().respondent_refusal
    return read_frame(pool, unit_ids, taken_ids(pool), lambda category: not refusal(category))


def plan_of(draw: Draw) -> DrawPlan:
    """The plan a draw was made with, for a redraw of the same shape."""
    sizes = {
        (stratum.unit_id or 0, stratum.category): stratum.requested
        for stratum in draw.strata.all()
        if stratum.requested != draw.per_stratum
    }
    return DrawPlan(
        allocation=draw.allocation,
        total=draw.total or 0,
        minimum_per_unit=draw.minimum_per_unit,
        per_stratum=draw.per_stratum,
        sizes=sizes if draw.allocation == Draw.FIXED else {},
        reserve_percent=draw.reserve_percent,
        target=draw.target,
    )


def do_redraw(actor: Any, draw: Draw, *, reason: str, seed: int | None = None) -> Draw:
    """Draw again, with the same plan and a new seed, from the pool as it is now; audited."""
    if draw.pool is None:
        raise _invalid("样本库已经删除,不能重新抽样。")
    return do_make_draw(
        actor,
        draw.method,
        draw.pool,
        plan_of(draw),
        round=draw.round,
        seed=seed,
        reason=reason,
        replacing=draw,
    )


# --- Issuing invitations from a draw --------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One invitation's secrets and what its letter or message says; never stored."""

    names: tuple[str, ...]  # as given in the pool; empty when no name was given
    phone: str
    token: str
    code: str
    expires: datetime.date
    unit: str  # the unit's name, or "" when the respondent picks
    category: str


@dataclass
class IssueOutcome:
    batch: InvitationBatch
    letters: list[Letter]


VERIFY_PHONE = re.compile(r"[0-9+()\-\s转]{3,40}")


def _check_issue(issuer: str, verify_phone: str, letters: bool, sms: bool) -> None:
    problems = ProblemCollector()
    if not (letters or sms):
        problems.add("请选择打印信函或发送短信(可都选)。", column="发放方式")
    if not issuer or len(issuer) > 100:
        problems.add("请填写发函单位(不超过 100 字)。", column="发函单位")
    if not VERIFY_PHONE.fullmatch(verify_phone) or sum(c.isdigit() for c in verify_phone) < 3:
        problems.add("请填写群众核实真伪用的电话号码,如 0951-6012345。", column="核实电话")
    problems.raise_if_any()


def do_issue_from_draw(
    actor: Any,
    draw: Draw,
    *,
    expires: datetime.date,
    issuer: str,
    verify_phone: str,
    letters: bool = True,
    sms: bool = False,
    paper: str = InvitationBatch.A4,
    reserve: Mapping[int, int] | None = None,
) -> IssueOutcome:
    """Issue invitations to a draw's sample (or to ``reserve``: stratum id → how many more).

    Through ``surveys.actions.do_issue_invitations`` (one home for issuing), one call
    per stratum with its unit and category, so a person already invited in the
    campaign (R-13) gets none. The people are passed in a fresh random order, so the
    invitations' storage order says nothing about who is who. Returns the secrets
    for the letters and messages, which exist only in this response.
    """
    issuer = unicodedata.normalize("NFKC", issuer).strip()
    verify_phone = unicodedata.normalize("NFKC", verify_phone).strip()
    _check_issue(issuer, verify_phone, letters, sms)
    if paper not in (InvitationBatch.A4, InvitationBatch.A5):
        paper = InvitationBatch.A4
    with transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("method__campaign").get(pk=draw.pk)
        if not draw.in_force:
            raise _invalid("这次抽样已被重新抽样取代,请在新的抽样上发邀请。")
        members = (
            DrawMember.objects.filter(stratum__draw=draw, invited=False)
            .select_related("respondent", "stratum__unit")
            .order_by("stratum__position", "reserve", "position")
        )
        chosen: list[DrawMember]
        if reserve is None:
            chosen = list(members.filter(reserve=False))
        else:
            wanted = {pk: n for pk, n in reserve.items() if n > 0}
            chosen = []
            for member in members.filter(reserve=True, stratum_id__in=wanted):
                if wanted[member.stratum_id] > 0:
                    chosen.append(member)
                    wanted[member.stratum_id] -= 1
        if not chosen:
            raise _invalid(
                "没有需要发邀请的人:样本都已发过邀请。"
                if reserve is None
                else "没有可用的备用样本,或没有填写要补发的人数。"
            )
        shuffle = random.SystemRandom().shuffle
        by_stratum: dict[int, list[DrawMember]] = {}
        for member in chosen:
            by_stratum.setdefault(member.stratum_id, []).append(member)
        out: list[Letter] = []
        links: list[StratumInvitation] = []
        already = 0
        for group in by_stratum.values():
            shuffle(group)
            stratum = group[0].stratum
            by_key = {holder_key(m.respondent.phone): m for m in group}
            result = do_issue_invitations(
                actor,
                draw.method,
                [Holder(m.respondent.name, m.respondent.phone) for m in group],
                expires=expires,
                unit=stratum.unit,
                category=stratum.category,
            )
            already += len(group) - len(result.issued)
            made = {
                hashed: (pk, key)
                for hashed, pk, key in Invitation.objects.filter(
                    token_hash__in=[token_hash(item.token) for item in result.issued]
                ).values_list("token_hash", "id", "holder_key")
            }
            for item in result.issued:
                invitation_id, key = made[token_hash(item.token)]
                member = by_key[key]
                links.append(
                    StratumInvitation(
                        invitation_id=invitation_id, stratum=stratum, reserve=member.reserve
                    )
                )
                out.append(
                    Letter(
                        names=tuple(name for name in item.names if name),
                        phone=member.respondent.phone,
                        token=item.token,
                        code=item.code,
                        expires=item.expires,
                        unit=stratum.unit.name if stratum.unit else "",
                        category=stratum.category,
                    )
                )
        StratumInvitation.objects.bulk_create(links)
        DrawMember.objects.filter(pk__in=[m.pk for m in chosen]).update(invited=True)
        batch = InvitationBatch.objects.create(
            draw=draw,
            reserve=reserve is not None,
            invitations=len(out),
            already=already,
            letters=letters,
            sms=sms,
            paper=paper,
            issuer=issuer,
            verify_phone=verify_phone,
            expires=expires,
            created_by=actor,
        )
        log.record(
            "draw.issue",
            actor=actor,
            obj=draw,
            campaign_code=draw.campaign.code,
            detail={
                "method": draw.method.code,
                "round": draw.round,
                "reserve": reserve is not None,
                "invitations": len(out),
                "already_invited": already,
                "letters": letters,
                "sms": sms,
                "paper": paper,
                "issuer": issuer,
                "verify_phone": verify_phone,
                "expires": expires,
            },
        )
    return IssueOutcome(batch, out)


def do_record_sms(actor: Any, batch: InvitationBatch, *, sent: int, failed: int) -> None:
    """Record how many invitation messages the SMS gateway took and refused; audited."""
    with transaction.atomic():
        InvitationBatch.objects.filter(pk=batch.pk).update(sms_sent=sent, sms_failed=failed)
        batch.sms_sent, batch.sms_failed = sent, failed
        log.record(
            "draw.sms",
            actor=actor,
            obj=batch.draw,
            campaign_code=batch.draw.campaign.code,
            detail={"batch": batch.pk, "sent": sent, "failed": failed},
        )
