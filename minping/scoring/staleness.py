"""What changed, after a computation, in what feeds the results: said on the results page.

Cheap enough for every page view, with no scan of the ballots:

- every step that changes an input through an action writes the audit log with the
  campaign's code (an accepted deduction or veto, an import, a released ballot, a
  submitted score sheet, a changed definition…): the entries after the computation,
  counted by action through the log's campaign index;
- ballots submitted on line are not audited one by one (that would slow collection and
  could help re-link a ballot to its time): their answers get ids from one sequence,
  so the snapshot keeps the highest id when it was computed (``answer_mark``), and
  only answers above it are looked at: a range of the primary key, as long as what
  arrived since, never the campaign's whole table.
"""

from __future__ import annotations

from django.db.models import Count, Max

from minping.audit.models import AuditEntry
from minping.scoring.models import ResultSnapshot
from minping.surveys.models import Answer

# Actions that change an input of the results, and how to say that they happened n times.
FEEDS = {
    "deduction.accept": "采纳了 {n} 条减分",
    "veto.accept": "采纳了 {n} 条一票否决",
    "eligibility.withdraw": "取消了 {n} 个单位的评优资格",
    "eligibility.restore": "恢复了 {n} 个单位的评优资格",
    "import.ballots": "导入了 {n} 个答卷文件",
    "import.scores": "导入了 {n} 个得分文件",
    "import.deductions": "导入了 {n} 个减分文件",
    "import.vetoes": "导入了 {n} 个一票否决文件",
    "import.units": "导入了 {n} 个单位文件",
    "ballot.accept": "复核通过了 {n} 份答卷",
    "sheet.submit": "提交了 {n} 份评分表",
    "sheet.correct": "更正了 {n} 个评分表中的得分",
    "sheet.reopen": "退回了 {n} 份评分表",
    "campaign.update": "修改了 {n} 次评议活动的设置",
}
# Past this many new answers the page says "more than": counting them all would be a scan.
COUNT_LIMIT = 20_000


def answer_mark() -> int:
    """The highest answer id now (0 when there is none): the end of the primary key index."""
    return Answer.objects.aggregate(top=Max("id"))["top"] or 0


def new_ballots(snapshot: ResultSnapshot) -> tuple[int, bool]:
    """Ballots of the campaign with answers stored after the snapshot, and whether there
    may be more than counted."""
    if snapshot.answer_mark is None:
        return 0, False
    ids = list(
        Answer.objects.filter(id__gt=snapshot.answer_mark, campaign_id=snapshot.campaign_id)
        .order_by("id")
        .values_list("ballot_id", flat=True)[:COUNT_LIMIT]
    )
    return len(set(ids)), len(ids) == COUNT_LIMIT


def changes_since(snapshot: ResultSnapshot) -> list[str]:
    """What changed in the results' inputs since ``snapshot`` was computed, in Chinese."""
    counts = dict(
        AuditEntry.objects.filter(
            campaign_code=snapshot.campaign.code,
            at__gt=snapshot.computed_at,
            action__in=list(FEEDS),
        )
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = [FEEDS[action].format(n=counts[action]) for action in FEEDS if counts.get(action)]
    ballots, more = new_ballots(snapshot)
    if ballots:
        out.append(f"收到了{'至少 ' if more else ' '}{ballots} 份新答卷")
    return out
