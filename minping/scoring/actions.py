"""State changes of results: storing a computed snapshot and publishing it (each audited)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from minping.audit.log import record
from minping.campaigns.models import Campaign
from minping.scoring.engine import Results
from minping.scoring.export import breakdown_json, results_json
from minping.scoring.models import ResultSnapshot
from minping.scoring.tallies import load_results


class PublishRefused(Exception):
    """Results that may not be published as they are; the message says why, in Chinese."""


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
    if results is None:
        results = load_results(campaign)
    data = results_json(results)
    snapshot = ResultSnapshot.objects.create(
        campaign=campaign, results=data, breakdown=breakdown_json(results)
    )
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


@transaction.atomic
def do_publish_results(snapshot: ResultSnapshot, *, actor: Any = None) -> ResultSnapshot:
    """Mark a snapshot as the campaign's announced results (the baseline next year uses it).

    Whether the public may see them is the campaign's own setting (R-37), checked
    where they are shown. Incomplete results (a ranked unit without a composite)
    are refused: announcing a ranking with holes in it cannot be taken back.
    """
    snapshot = ResultSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    if not snapshot.results.get("complete", False):
        missing = {m["unit"] for m in snapshot.results.get("missing", [])}
        raise PublishRefused(f"有 {len(missing)} 个单位缺少数据、没有综合得分,结果不能发布。")
    now = timezone.now()
    snapshot.published = True
    snapshot.save(update_fields=["published"])
    campaign = snapshot.campaign
    campaign.published_at = now
    campaign.save(update_fields=["published_at", "updated"])
    record(
        "scoring.publish",
        actor=actor,
        obj=snapshot,
        campaign_code=campaign.code,
        detail={"snapshot": snapshot.pk, "results_sha256": _digest(snapshot.results)},
    )
    return snapshot
