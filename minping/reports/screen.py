"""What the hall screen (大屏) shows, as the small JSON document its page polls.

During collection: the ranking of each ballot method's latest *closed* round (R-10), worked
out by the progress monitor's ``round_rankings`` (the engine's S-1 and S-5), and live counts
of accepted ballots per method. After the results are published to the public: the final
ranking and grades of each group, from the published snapshot. docs/reports.md says why the
open round is never ranked and why units with few ballots in a round are left out.

Nothing here is worked out per poll: the whole document is cached for
``MINPING_SCREEN_CACHE_SECONDS`` (every screen shares it), and a closed round's ranking,
the one scan of the answers, for ``MINPING_SCREEN_ROUND_CACHE_SECONDS`` or until another
round closes.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from minping.campaigns.models import Campaign, Method
from minping.orgs.models import Group
from minping.reports.views import GRADE_LABELS, Layout, results_layout
from minping.scoring import engine
from minping.scoring.models import ResultSnapshot
from minping.surveys.breakdown import threshold
from minping.surveys.models import Ballot, CollectionSettings
from minping.surveys.progress import Ranked, ranking_units, round_rankings

CACHE_SECONDS = 30
ROUND_CACHE_SECONDS = 600
# How long another request waits for one working out a round's ranking, at most.
WORK_SECONDS = 300
POLL_SECONDS = 15
PAGE_SECONDS = 8


def seconds(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class Board:
    """One ranking the screen pages through: a group's table under a title."""

    title: str
    group: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "group": self.group,
            "columns": self.columns,
            # How screen.js aligns each column (screen.css).
            "kinds": ["rank", "name", "num", "grade" if self.columns[-1] == "等次" else "ballots"],
            "rows": self.rows,
            "note": self.note,
        }


def public_results(campaign: Campaign) -> ResultSnapshot | None:
    """The published results the public may see (R-37), or None (as on the results page)."""
    if not (campaign.publish and campaign.is_published):
        return None
    return campaign.snapshots.filter(published=True).order_by("-computed_at", "-pk").first()


def payload(campaign: Campaign) -> dict[str, Any]:
    """The screen's document, from the cache when another screen asked for it lately."""
    final = public_results(campaign)
    methods = _ballot_methods(campaign)
    state = [final.pk if final else 0, str(campaign.published_at)] + [
        (m.pk, s.current_round, s.closed) for m, s in methods
    ]
    digest = hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]
    key = f"minping:screen:{campaign.pk}:{digest}"
    found = cache.get(key)
    if found is None:
        found = _build(campaign, final, methods)
        cache.set(key, found, seconds("MINPING_SCREEN_CACHE_SECONDS", CACHE_SECONDS))
    return dict(found)


def _ballot_methods(campaign: Campaign) -> list[tuple[Method, CollectionSettings]]:
    """Ballot methods with their collection settings, in one query and without writing.

    A method whose settings were never stored collects nothing yet: the defaults say so.
    """
    methods = campaign.methods.filter(input=Method.BALLOTS).order_by("order")
    stored = {s.method_id: s for s in CollectionSettings.objects.filter(method__in=methods)}
    return [(m, stored.get(m.pk) or CollectionSettings(method=m)) for m in methods]


def _build(
    campaign: Campaign,
    final: ResultSnapshot | None,
    methods: list[tuple[Method, CollectionSettings]],
) -> dict[str, Any]:
    if final is not None:
        mode = "final"
        boards = final_boards(campaign, final)
        status = "评议结果已公布"
        counts: list[str] = []
    elif campaign.is_published:
        # Published to the party committee and the units only: nothing for the hall.
        mode, boards, status, counts = "ended", [], "本次评议已结束", []
    else:
        mode = "collection"
        boards = [board for m, s in methods for board in round_boards(m, s)]
        counts = live_counts(campaign, methods)
        status = "评议正在进行"
    document = {
        "title": campaign.title,
        "mode": mode,
        "status": status,
        "counts": counts,
        "boards": [board.as_json() for board in boards],
        "empty": _empty_text(mode, methods),
    }
    # The page redraws only when what it shows has changed.
    document["version"] = hashlib.sha256(
        json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:16]
    document["updated"] = timezone.localtime().strftime("%H:%M")
    return document


def _empty_text(mode: str, methods: list[tuple[Method, CollectionSettings]]) -> str:
    if mode == "ended":
        return "本次评议结果按规定不向社会公开。"
    if mode == "collection" and methods:
        return "第一轮调查结束后,这里将显示各单位的排名。"
    return "评议结果公布后,这里将显示各单位的排名和等次。"


def live_counts(campaign: Campaign, methods: list[tuple[Method, CollectionSettings]]) -> list[str]:
    """Accepted ballots per method: totals only, never per unit or per round.

    ``COUNT(*)`` per method is answered from the ballots' index alone; a count per round
    would read every ballot row (ten times slower at 200,000 ballots, performance.md).
    """
    accepted = dict(
        Ballot.objects.filter(campaign=campaign, status=Ballot.Status.ACCEPTED)
        .values_list("method_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    lines = []
    for method, collection in methods:
        total = accepted.get(method.pk, 0)
        if collection.closed:
            lines.append(f"{method.title}:收集已结束,共收回有效答卷 {total} 份")
        elif collection.rounds > 1:
            lines.append(
                f"{method.title}:第 {collection.current_round} 轮(共 {collection.rounds} 轮)"
                f"进行中,已收回有效答卷 {total} 份"
            )
        else:
            lines.append(f"{method.title}:正在收集,已收回有效答卷 {total} 份")
    return lines


def round_boards(method: Method, collection: CollectionSettings) -> list[Board]:
    """The latest closed round's ranking of ``method``, one board per group.

    Worked out (the one scan of the answers) when a round closes and again after
    ``MINPING_SCREEN_ROUND_CACHE_SECONDS``, by one request at a time: while it works,
    the other polls get the ranking as it was.
    """
    closed = collection.current_round - 1 + (1 if collection.closed else 0)
    closed = min(closed, max(collection.rounds, 1))
    if closed < 1:
        return []
    key = f"minping:screen-round:{method.pk}:{closed}"
    found = cache.get(key)
    if found is None:
        kept = cache.get(key + ":kept")
        if kept is not None and not cache.add(key + ":working", True, WORK_SECONDS):
            found = kept
        else:
            found = _closed_round(method, collection, closed)
            cache.set(
                key, found, seconds("MINPING_SCREEN_ROUND_CACHE_SECONDS", ROUND_CACHE_SECONDS)
            )
            cache.set(key + ":kept", found, None)
            cache.delete(key + ":working")
    return [Board(**{k: v for k, v in board.items() if k != "kinds"}) for board in found]


def _closed_round(
    method: Method, collection: CollectionSettings, number: int
) -> list[dict[str, Any]]:
    rankings = round_rankings(method, collection, ranking_units(method))
    ranking = next((r for r in rankings if r.number == number), None)
    if ranking is None:
        return []
    least = threshold()
    title = f"{method.title} 第 {number} 轮排名" if collection.rounds > 1 else f"{method.title}排名"
    boards = []
    for group, rows in ranking.groups:
        kept, few = _enough(rows, least)
        note = f"另有 {few} 个单位本轮答卷少于 {least} 份,不排名。" if few else ""
        boards.append(
            Board(
                title,
                group,
                ["名次", "单位", "满意度得分", "答卷"],
                [[str(rank), r.name, str(r.score), str(r.ballots)] for rank, r in kept],
                note,
            ).as_json()
        )
    return boards


def _enough(rows: list[Ranked], least: int) -> tuple[list[tuple[int, Ranked]], int]:
    """Units with at least ``least`` ballots in the round, ranked among themselves (S-5).

    A unit with fewer could show what its one or two respondents said.
    """
    kept = [row for row in rows if row.ballots >= least]
    ranks = engine.competition_ranks({str(i): row.score for i, row in enumerate(kept)})
    return [(ranks[str(i)], row) for i, row in enumerate(kept)], len(rows) - len(kept)


def final_boards(campaign: Campaign, snapshot: ResultSnapshot) -> list[Board]:
    """Each group's final ranking and grades, as published.

    A campaign without a composite (version 2, R-19) shows its ``graded_by`` method's
    ranking instead; without one, each method's ranking on its own board. The note says so.
    """
    results = snapshot.results
    names = dict(Group.objects.filter(code__in=campaign.groups).values_list("code", "name"))
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for unit in results.get("units", []):
        by_group[unit["group"]].append(unit)
    order = [code for code in campaign.groups if code in by_group]
    order += sorted(code for code in by_group if code not in order)
    layout = results_layout(results)
    if layout.composite:
        rankings: list[tuple[str, str, str]] = [("评议结果", "", "综合得分")]
    else:
        titles = {m["code"]: m.get("title") or m["code"] for m in results.get("methods", [])}
        by = results.get("graded_by") or ""
        codes = [by] if by else list(titles)
        rankings = [
            ("评议结果" if by else f"{titles[code]}排名", code, f"{titles[code]}得分")
            for code in codes
        ]
    boards = []
    for title, method, heading in rankings:
        for code in order:
            boards.append(
                _final_board(title, names.get(code, code), by_group[code], method, heading, layout)
            )
    return boards


def _final_board(
    title: str,
    group: str,
    members: list[dict[str, Any]],
    method: str,
    heading: str,
    layout: Layout,
) -> Board:
    """One group's board: by the composite (``method`` empty), or by one method's figure."""

    def rank(unit: dict[str, Any]) -> int | None:
        if not method or layout.ranked:
            return unit.get("rank")
        return (unit.get("method_ranks") or {}).get(method)

    def shown(unit: dict[str, Any]) -> Any:
        if not method:
            return unit.get("composite")
        return ((unit.get("methods") or {}).get(method) or {}).get("score")

    units = sorted(members, key=lambda u: (rank(u) or 10**6, u["unit"]))
    grades: dict[str | None, int] = defaultdict(int)
    for unit in units:
        grades[unit.get("grade")] += 1
    note = "  ".join(
        f"{label} {grades[grade]} 个" for grade, label in GRADE_LABELS.items() if grades[grade]
    )
    if layout.note:
        note = f"{layout.note}  {note}".strip()
    return Board(
        title,
        group,
        ["名次", "单位", heading, "等次"],
        [
            [
                str(rank(unit) or "—"),
                unit["name"],
                "—" if shown(unit) is None else f"{shown(unit):.2f}",
                GRADE_LABELS.get(unit.get("grade") or "", ""),
            ]
            for unit in units
        ],
        note,
    )
