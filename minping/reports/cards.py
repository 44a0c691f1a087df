"""单位成绩单: one unit's results on a few A4 pages, as Word and PDF, and all of them as a ZIP.

Built from a results snapshot like the analysis report, with the unit's cases
and its citizens' comments from the database. Comments appear only where enough
accepted ballots stand behind them (``facts.unit_comments``, the collection
pages' rule). The words come from ``templates/reports/card/*.txt``, replaceable
like the report's (``wording``).
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone

from minping.campaigns.models import Campaign
from minping.lib.progress import Progress
from minping.lib.rates import as_percent
from minping.orgs.models import Group as GroupModel
from minping.orgs.models import Unit
from minping.reports import facts, figures
from minping.reports.analysis import chinese_date, grade_text
from minping.reports.document import Document, Table
from minping.reports.docx_layout import docx_bytes
from minping.reports.figures import Snapshot, UnitFigures, show
from minping.reports.pdf_layout import PdfWriter, pdf_bytes
from minping.reports.templatetags.minping_text import short_title
from minping.reports.views import results_layout
from minping.reports.wording import blocks, render
from minping.scoring.models import ResultSnapshot

FOLDER = "reports/card"
SECTIONS = ["result", "methods", "indicators", "deductions", "cases", "comments"]
# The weakest indicators named on a card.
WEAKEST_NAMED = 3
FORMATS = {"pdf": pdf_bytes, "docx": docx_bytes}
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def file_name(unit: UnitFigures, group: str, fmt: str) -> str:
    """A card's name in the ZIP, in Chinese and in ranking order: 市级机关单位/003 公安局.pdf."""
    rank = f"{unit.rank:03d}" if unit.rank else "未排名"
    return f"{_UNSAFE.sub('_', group)}/{rank} {_UNSAFE.sub('_', unit.name)}.{fmt}"


class CardMaker:
    """Makes the cards of one snapshot; the snapshot is read once for all of them."""

    def __init__(self, campaign: Campaign, snapshot: ResultSnapshot) -> None:
        self.campaign = campaign
        self.record = snapshot
        indicators = list(campaign.indicators.order_by("order").values_list("code", "title"))
        names = dict(
            GroupModel.objects.filter(code__in=campaign.groups).values_list("code", "name")
        )
        self.snap: Snapshot = figures.read_snapshot(
            snapshot.results, snapshot.breakdown, indicators, names
        )
        self.snap.asked = facts.asked_by_group(campaign)
        self.group_means = {
            g.code: figures.indicator_means(
                g.ranked, [c for c, _ in self.snap.indicators_of(g.code)]
            )
            for g in self.snap.groups
        }
        self.reasons = facts.ineligibility_reasons(campaign)
        # A campaign without a composite (version 2): what its ranks go by, if anything.
        self.layout = results_layout(snapshot.results)
        self.by = str(snapshot.results.get("graded_by") or "")

    def units(self) -> list[UnitFigures]:
        return self.snap.units

    def card(self, code: str) -> Document:
        """The card of the unit ``code``; KeyError when the snapshot has no such unit."""
        unit = self.snap.unit(code)
        if unit is None:
            raise KeyError(code)
        found = Unit.objects.get(code=code)
        group = self.snap.group_of(unit)
        tables: dict[str, Table] = {}
        context: dict[str, Any] = {
            "campaign": {"title": self.campaign.title, "year": self.campaign.year},
            "computed": chinese_date(self.record.computed_at),
            "today": chinese_date(timezone.now()),
            # Ranked units: those with a composite, or (version 2) a figure on ``graded_by``.
            "unit": self._unit(unit, group.name, sum(u.rank is not None for u in group.units)),
            "methods": self._methods(unit, group, tables),
            "indicators": self._indicators(unit, tables),
            "deductions": self._deductions(unit, tables),
            "cases": self._cases(found, tables),
            "comments": self._comments(found, tables),
        }
        head = [ln.strip() for ln in render(f"{FOLDER}/title.txt", context).splitlines()]
        head = [ln for ln in head if ln]
        document = Document(
            title=head[0] if head else f"{unit.name}评议结果",
            subtitle=tuple(head[1:]),
        )
        for name in SECTIONS:
            document.blocks += blocks(f"{FOLDER}/{name}.txt", context, tables, {})
        closing = render(f"{FOLDER}/closing.txt", context).splitlines()
        document.closing = tuple(ln.strip() for ln in closing if ln.strip())
        return document

    # -- the parts of a card ------------------------------------------------------------

    def _unit(self, unit: UnitFigures, group: str, ranked: int) -> dict[str, Any]:
        methods = {m.code: short_title(m.title) for m in self.snap.methods}
        return {
            "name": unit.name,
            "group": group,
            "rank": unit.rank,
            "of": ranked,
            "composite": show(unit.composite),
            "weighted": show(unit.weighted),
            "deducted": show(unit.deducted),
            "grade": unit.grade_label,
            "grade_text": grade_text(unit),
            "grade_reason": unit.grade_reason,
            "vetoed": unit.vetoed,
            "veto_reasons": [v.title for v in unit.vetoes],
            "eligible": unit.eligible,
            "ineligible_reason": self.reasons.get(unit.code, ""),
            "watchlist": [methods.get(c, c) for c in unit.watchlist],
            "baseline": show(unit.baseline) if unit.baseline is not None else None,
            "change": show(unit.change, sign=True) if unit.change is not None else None,
            "no_composite": self.layout.note,
            "ranked_by": methods.get(self.by, ""),
            "by_score": show(f.score) if (f := unit.methods.get(self.by)) else "—",
            "rose": unit.change is not None and unit.change > 0,
            "fell": unit.change is not None and unit.change < 0,
        }

    def _methods(
        self, unit: UnitFigures, group: figures.Group, tables: dict[str, Table]
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for m in self.snap.methods:
            figure = unit.methods.get(m.code)
            of = sum(1 for u in group.units if (f := u.methods.get(m.code)) and f.rank)
            items.append(
                {
                    "title": m.title,
                    "short": short_title(m.title),
                    "weight": f"{m.weight.normalize():f}",
                    "score": show(figure.score) if figure else "—",
                    "rank": figure.rank if figure else None,
                    "of": of,
                    "ballots": figure.ballots if figure else None,
                    "rate": show(figure.rate) + "%" if figure and figure.rate is not None else "—",
                }
            )
        tables["methods"] = Table(
            "各评议方法得分和组内名次",
            ("评议方法", "权重", "得分", "组内名次", "有效答卷(份)", "满意率"),
            tuple(
                (
                    i["short"],
                    i["weight"] + "%",
                    i["score"],
                    f"第 {i['rank']} 名/共 {i['of']} 个" if i["rank"] else "—",
                    "—" if i["ballots"] is None else f"{i['ballots']:,}",
                    i["rate"],
                )
                for i in items
            ),
            frozenset({1, 2, 4, 5}),
        )
        return items

    def _indicators(self, unit: UnitFigures, tables: dict[str, Table]) -> dict[str, Any]:
        means = self.group_means.get(unit.group, {})
        rows = []
        gaps: list[tuple[Decimal, str, dict[str, str]]] = []
        for code, title in self.snap.indicators_of(unit.group):
            own, avg = unit.indicators.get(code), means.get(code)
            gap = own - avg if own is not None and avg is not None else None
            item = {
                "title": title,
                "score": show(own),
                "mean": show(avg),
                "gap": show(gap, sign=True),
            }
            rows.append((title, item["score"], item["mean"], item["gap"]))
            if gap is not None:
                gaps.append((gap, code, item))
        tables["indicators"] = Table(
            "各项评议内容得分与本组平均",
            ("评议内容", "本单位", "本组平均", "差距"),
            tuple(rows),
            frozenset({1, 2, 3}),
        )
        gaps.sort(key=lambda g: (g[0], g[1]))
        below = [item for gap, _, item in gaps if gap < 0][:WEAKEST_NAMED]
        lowest = figures.weakest(dict(unit.indicators))
        titles = dict(self.snap.indicators)
        return {
            "scored": any(v is not None for v in unit.indicators.values()),
            "below": below,
            "lowest": [
                {"title": titles.get(c, c), "score": show(unit.indicators[c])} for c in lowest
            ],
        }

    def _deductions(self, unit: UnitFigures, tables: dict[str, Table]) -> dict[str, Any]:
        tables["deductions"] = Table(
            "计入的减分",
            ("减分事由(来源)", "日期", "次数", "扣分", "依据"),
            tuple(
                (f"{d.title}({d.source})", d.date, str(d.count), show(d.amount), d.evidence)
                for d in unit.deductions
            )
            or (("无", "—", "—", "—", "—"),),
            frozenset({2, 3}),
        )
        tables["vetoes"] = Table(
            "一票否决",
            ("否决事由", "日期", "依据"),
            tuple((v.title, v.date, v.evidence) for v in unit.vetoes) or (("无", "—", "—"),),
        )
        return {
            "count": len(unit.deductions),
            "points": show(unit.deducted),
            "capped": [
                {"source": title, "total": show(total)} for title, total in unit.source_totals
            ],
            "vetoes": [{"title": v.title, "date": v.date} for v in unit.vetoes],
        }

    def _cases(self, unit: Unit, tables: dict[str, Table]) -> dict[str, Any]:
        row = facts.unit_cases(self.campaign, unit)
        c = row.counts
        tables["cases"] = Table(
            "群众反映问题办理情况",
            ("受理", "已答复", "按时答复", "按时答复率", "已整改销号", "办结率", "回访满意率"),
            (
                (
                    str(c["total"]),
                    str(c["answered"]),
                    str(c["on_time"]),
                    as_percent(row.on_time_rate),
                    str(c["closed"]),
                    as_percent(row.resolution_rate),
                    as_percent(row.satisfaction_rate),
                ),
            ),
            frozenset(range(7)),
        )
        return {
            "total": c["total"],
            "answered": c["answered"],
            "on_time": c["on_time"],
            "closed": c["closed"],
            "overdue": c["overdue"],
            "repeats": c["repeats"],
            "on_time_rate": as_percent(row.on_time_rate),
            "resolution_rate": as_percent(row.resolution_rate),
            "satisfaction_rate": as_percent(row.satisfaction_rate),
        }

    def _comments(self, unit: Unit, tables: dict[str, Table]) -> dict[str, Any]:
        found = facts.unit_comments(self.campaign, unit)
        several_units = len({name for name, _ in found.shown}) > 1
        tables["comments"] = Table(
            "群众意见建议",
            ("序号", "意见建议"),
            tuple(
                (str(i), f"{name}:{text}" if several_units else text)
                for i, (name, text) in enumerate(found.shown, 1)
            ),
            frozenset({0}),
        )
        return {
            "shown": len(found.shown),
            "total": found.total,
            "withheld": found.withheld,
            "limit": found.limit,
        }


def unit_card(campaign: Campaign, snapshot: ResultSnapshot, code: str, fmt: str) -> bytes:
    """One unit's card as ``fmt`` ("pdf" or "docx")."""
    return FORMATS[fmt](CardMaker(campaign, snapshot).card(code))


def write_cards_zip(
    campaign: Campaign,
    snapshot: ResultSnapshot,
    fmt: str,
    out: IO[bytes],
    progress: Progress | None = None,
) -> int:
    """Every unit's card of the snapshot into one ZIP (one file per unit); returns how many.

    Written card by card into ``out`` (a temporary file), so memory holds one card at a time.
    """
    progress = progress or Progress()
    maker = CardMaker(campaign, snapshot)
    units = maker.units()
    progress.start(len(units), "个")
    render_file = PdfWriter() if fmt == "pdf" else docx_bytes
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, unit in enumerate(units, 1):
            group = maker.snap.group_of(unit).name
            archive.writestr(file_name(unit, group, fmt), render_file(maker.card(unit.code)))
            progress.update_to(done)
    progress.finish()
    return len(units)
