"""State changes of results: computing a snapshot and taking it to the units and the public.

Without an approving body: computed → published. When the definition names one
(``[approval]``, R-23: 上报省局审定): computed → submitted → approved by that
body's approver (or returned, with the reason) → released to units → published.
Each step is one action, one transaction, one audit entry; a step out of order is
refused with the reason in Chinese and changes nothing. Whether the public sees
published results is the campaign's own setting (R-37), checked where they are shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from minping.audit.log import record
from minping.campaigns.models import Campaign
from minping.orgs.access import source_codes
from minping.orgs.models import Membership, Role
from minping.scoring.certainty import assess, certainty_json
from minping.scoring.engine import Results
from minping.scoring.export import breakdown_json, results_json
from minping.scoring.models import (
    APPROVED,
    COMPUTED,
    RELEASED,
    SUBMITTED,
    ResultSnapshot,
    SnapshotInputs,
)
from minping.scoring.package import inputs_json
from minping.scoring.staleness import answer_mark
from minping.scoring.tallies import load_results


class ResultsRefused(Exception):
    """A step the results may not take now; the message says why, in Chinese."""


# The name the publishing step's refusal had before there were other steps.
PublishRefused = ResultsRefused


def _digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def do_compute_results(
    campaign: Campaign, *, actor: Any = None, results: Results | None = None
) -> ResultSnapshot:
    """Compute the campaign's results and store them, with their breakdown, as a snapshot.

    ``results`` may be passed when the caller has just computed them (the
    ``results --save`` command), so the stored figures are exactly those shown.
    """
    # Taken before the answers are read: one arriving meanwhile is flagged as new, never missed.
    mark = answer_mark()
    if results is None:
        results = load_results(campaign)
    data = results_json(results)
    snapshot = ResultSnapshot.objects.create(
        campaign=campaign,
        results=data,
        breakdown=breakdown_json(results),
        answer_mark=mark,
        certainty=certainty_json(assess(results)),
    )
    SnapshotInputs.objects.create(snapshot=snapshot, data=inputs_json(results))
    record(
        "scoring.compute",
        actor=actor,
        obj=snapshot,
        campaign_code=campaign.code,
        detail={
            "units": len(results.units),
            "complete": results.complete,
            "missing": len(results.missing),
            "results_sha256": _digest(data),
        },
    )
    return snapshot


def _locked(snapshot: ResultSnapshot) -> ResultSnapshot:
    return ResultSnapshot.objects.select_for_update().select_related("campaign").get(pk=snapshot.pk)


def _complete(snapshot: ResultSnapshot, step: str) -> None:
    """Incomplete results (a ranked unit without a composite) go nowhere: announcing a
    ranking with holes in it cannot be taken back."""
    if not snapshot.results.get("complete", False):
        missing = {m["unit"] for m in snapshot.results.get("missing", [])}
        raise ResultsRefused(f"有 {len(missing)} 个单位缺少数据、没有综合得分,结果不能{step}。")


def _needs_approval(campaign: Campaign, step: str) -> None:
    if not campaign.needs_approval:
        raise ResultsRefused(
            f"本活动的定义文件没有规定结果须经上级审定,不需要{step};计算后可以直接发布。"
        )


def _in_state(snapshot: ResultSnapshot, wanted: Iterable[str], step: str) -> None:
    if snapshot.state not in wanted:
        raise ResultsRefused(f"这份结果{snapshot.state_label},不能{step}。")


def _is_approver(actor: Any, campaign: Campaign) -> None:
    """Only the body the definition names approves (R-23), never the organiser for it."""
    if campaign.approval_code not in source_codes(actor, Role.APPROVER):
        raise ResultsRefused(f"只有{campaign.approval_title}的审定人才能审定或退回本活动的结果。")


def _audit(action: str, snapshot: ResultSnapshot, actor: Any, **detail: Any) -> None:
    record(
        action,
        actor=actor,
        obj=snapshot,
        campaign_code=snapshot.campaign.code,
        detail={"snapshot": snapshot.pk, "results_sha256": _digest(snapshot.results), **detail},
    )


def _tell(roles: QuerySet[Membership], subject: str, text: str) -> None:
    """Mail the holders of some memberships, once the step is committed (if they have mail)."""
    emails = sorted({m.user.email for m in roles.select_related("user") if m.user.email})
    if emails:
        transaction.on_commit(lambda: send_mail(subject, text, None, emails, fail_silently=True))


@transaction.atomic
def do_submit_results(snapshot: ResultSnapshot, *, actor: Any = None) -> ResultSnapshot:
    """Send the results to the approving body (上报审定)."""
    snapshot = _locked(snapshot)
    campaign = snapshot.campaign
    _needs_approval(campaign, "上报审定")
    _complete(snapshot, "上报审定")
    _in_state(snapshot, [COMPUTED], "再上报审定")
    snapshot.submitted_at = timezone.now()
    snapshot.returned_reason = ""
    snapshot.save(update_fields=["submitted_at", "returned_reason"])
    _audit("scoring.submit", snapshot, actor, body=campaign.approval_code)
    _tell(
        Membership.objects.filter(role=Role.APPROVER, source_code=campaign.approval_code),
        f"{campaign.title}:结果已上报,请审定",
        f"{campaign.title}的评议结果已上报{campaign.approval_title}审定。",
    )
    return snapshot


@transaction.atomic
def do_approve_results(snapshot: ResultSnapshot, *, actor: Any) -> ResultSnapshot:
    """The approving body approves the submitted results (审定): now they may go out."""
    snapshot = _locked(snapshot)
    campaign = snapshot.campaign
    _needs_approval(campaign, "审定")
    _is_approver(actor, campaign)
    _in_state(snapshot, [SUBMITTED], "审定(只有已上报的结果才能审定)")
    snapshot.approved_at = timezone.now()
    snapshot.approved_by = actor
    snapshot.save(update_fields=["approved_at", "approved_by"])
    _audit("scoring.approve", snapshot, actor, body=campaign.approval_code)
    _tell(
        Membership.objects.filter(role=Role.ORGANISER),
        f"{campaign.title}:结果已审定",
        f"{campaign.approval_title}已审定{campaign.title}的评议结果,可以通报各单位。",
    )
    return snapshot


@transaction.atomic
def do_return_results(snapshot: ResultSnapshot, *, actor: Any, reason: str) -> ResultSnapshot:
    """The approving body sends the submitted results back, saying why (退回)."""
    reason = reason.strip()
    snapshot = _locked(snapshot)
    campaign = snapshot.campaign
    _needs_approval(campaign, "退回")
    _is_approver(actor, campaign)
    _in_state(snapshot, [SUBMITTED], "退回(只有已上报、未审定的结果才能退回)")
    if not reason:
        raise ResultsRefused("退回结果要写明理由。")
    snapshot.submitted_at = None
    snapshot.returned_reason = reason
    snapshot.save(update_fields=["submitted_at", "returned_reason"])
    _audit("scoring.return", snapshot, actor, body=campaign.approval_code, reason=reason)
    _tell(
        Membership.objects.filter(role=Role.ORGANISER),
        f"{campaign.title}:结果被退回",
        f"{campaign.approval_title}退回了{campaign.title}的评议结果:{reason}",
    )
    return snapshot


@transaction.atomic
def do_release_results(snapshot: ResultSnapshot, *, actor: Any = None) -> ResultSnapshot:
    """Each unit may now see its own approved results (通报各参评单位, R-37)."""
    snapshot = _locked(snapshot)
    campaign = snapshot.campaign
    _needs_approval(campaign, "单独通报")
    _in_state(snapshot, [APPROVED], f"通报各单位(须先经{campaign.approval_title}审定)")
    snapshot.released_at = timezone.now()
    snapshot.save(update_fields=["released_at"])
    _audit("scoring.release", snapshot, actor)
    return snapshot


@transaction.atomic
def do_publish_results(snapshot: ResultSnapshot, *, actor: Any = None) -> ResultSnapshot:
    """Mark a snapshot as the campaign's announced results (the baseline next year uses it).

    Units see them (released, if they were not yet); the public too where the campaign
    publishes (R-37). Where results need approval, only approved ones are published.
    """
    snapshot = _locked(snapshot)
    _complete(snapshot, "发布")
    campaign = snapshot.campaign
    if campaign.needs_approval:
        _in_state(snapshot, [APPROVED, RELEASED], f"发布(须先经{campaign.approval_title}审定)")
    now = timezone.now()
    snapshot.published = True
    snapshot.save(update_fields=["published"])
    campaign.published_at = now
    campaign.save(update_fields=["published_at", "updated"])
    package = snapshot.package()
    # Whoever downloads the results package can compare its hash with this entry.
    _audit("scoring.publish", snapshot, actor, package_sha256=package["sha256"] if package else "")
    return snapshot
