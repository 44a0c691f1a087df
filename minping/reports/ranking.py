"""A stored snapshot as the ranking an office hands on (Excel and PDF): Chinese only.

The figures are the snapshot's own (already rounded to 2 decimals, S-5), never
recomputed, so the file says exactly what the results page says. No unit, method
or indicator code appears: a method is named by its title, a unit by its name,
and the working of a part (下属单位平均) names the part, not its code.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from minping.campaigns.models import Campaign, Indicator
from minping.orgs.models import Unit
from minping.reports.views import grade_label, group_tables, results_layout
from minping.scoring.certainty import alike_text
from minping.scoring.models import ResultSnapshot

SOURCE_LABELS = {
    "ballots": "本单位答卷",
    "parts": "下属单位平均",
    "scores": "录入得分",
    "cases": "问题线索办理情况",
}


def figure(value: Any) -> Decimal | None:
    """A stored 2-decimal number as a Decimal (a sheet shows it with two decimals)."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class RankingTable:
    group: str
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Ranking:
    """One campaign's ranking, group by group, as people read it."""

    campaign: Campaign
    snapshot: ResultSnapshot
    header: list[str]
    numeric: set[int]
    tables: list[RankingTable]
    details: list[list[str]]  # 计算明细: 单位, 项目, 计算过程
    awards: list[list[object]] = field(default_factory=list)  # 个人表彰: 奖项, 姓名, 职务, 单位
    note: str = ""  # a campaign without a composite (version 2) says so, and what ranks

    @property
    def computed_on(self) -> datetime.date:
        return timezone.localtime(self.snapshot.computed_at).date()

    @property
    def title(self) -> str:
        return f"{self.campaign.title}评议结果"

    @property
    def subtitle(self) -> str:
        day = self.computed_on
        state = self.snapshot.state_label
        said = f" {self.note}" if self.note else ""
        return f"计算日期:{day.year}年{day.month}月{day.day}日({state}){said}"


def method_titles(campaign: Campaign, results: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, title) of each method in campaign order; the snapshot's own titles first."""
    stored = {m["code"]: m.get("title") for m in results.get("methods", [])}
    return [(m.code, stored.get(m.code) or m.title) for m in campaign.methods.all()]


def ranking(campaign: Campaign, snapshot: ResultSnapshot, units: set[str] | None = None) -> Ranking:
    """The snapshot's ranking; ``units`` keeps only those units (a liaison's own)."""
    results = snapshot.results
    methods = method_titles(campaign, results)
    header = ["排名", "单位", "综合得分", "等次"]
    for _, title in methods:
        header += [f"{title}得分", f"{title}排名"]
    header += ["加权得分", "减分", "同比", "说明"]
    numeric = set(range(len(header))) - {1, 3, len(header) - 1}
    layout = results_layout(results)
    certainty = snapshot.certainty or {}
    method_names = dict(methods)
    tables = []
    for table in group_tables(campaign, results):
        out = RankingTable(table.name)
        for row in table.rows:
            unit = row.unit
            if units is not None and unit["unit"] not in units:
                continue
            line: list[Any] = [
                unit.get("rank"),
                unit["name"],
                figure(unit.get("composite")),
                grade_label(unit),
            ]
            for code, _ in methods:
                method = unit.get("methods", {}).get(code) or {}
                line += [figure(method.get("score")), unit.get("method_ranks", {}).get(code)]
            deducted = sum(figure(v) or Decimal(0) for v in unit.get("deductions", {}).values())
            line += [figure(unit.get("weighted")), figure(deducted), figure(unit.get("change"))]
            line.append(_place_note(certainty, unit["unit"], method_names))
            out.rows.append(line)
        if out.rows:
            tables.append(out)
    # Without a composite (version 2), the columns that would be empty for every unit go.
    dropped = set() if layout.composite else {"综合得分", "加权得分", "同比"}
    dropped |= set() if layout.ranked else {"排名"}
    kept = [i for i, title in enumerate(header) if title not in dropped]
    if dropped:
        numeric = {n for n, i in enumerate(kept) if i in numeric}
        header = [header[i] for i in kept]
        for t in tables:
            t.rows = [[line[i] for i in kept] for line in t.rows]
    keep = {u["unit"] for u in results.get("units", [])}
    keep = keep if units is None else keep & units
    details = list(detail_rows(results, snapshot.breakdown, methods, keep))
    awards: list[list[object]] = [
        [a.award, a.person, a.position, a.unit.name]
        for a in campaign.person_awards.select_related("unit")
        if units is None or a.unit.code in units
    ]
    return Ranking(campaign, snapshot, header, numeric, tables, details, awards, layout.note)


def _place_note(certainty: dict[str, Any], unit: str, method_names: dict[str, str]) -> str:
    """What the results page marks beside a unit's name (docs/statistics.md), in words."""
    found = (certainty.get("units") or {}).get(unit) or {}
    notes = [alike_text(tuple(found["alike"]))] if found.get("alike") else []
    minimum = certainty.get("min_ballots")
    notes += [
        f"{method_names.get(code, code)}答卷不足 {minimum} 份"
        for code in found.get("small_sample") or []
    ]
    return ";".join(notes)


def _name_codes(text: str, names: dict[str, str]) -> str:
    """Unit codes in a formula (a part's working names it by code) replaced by names."""
    if not names or not text:
        return text
    pattern = "|".join(re.escape(c) for c in sorted(names, key=len, reverse=True))
    return re.sub(rf"(?<![\w-])({pattern})(?![\w-])", lambda m: names[m.group(1)], text)


def _parts_names(figure_: dict[str, Any], names: dict[str, str]) -> None:
    for part in figure_.get("parts") or []:
        names[part["unit"]] = part["name"]
        _parts_names(part, names)


def _figure_rows(
    name: str,
    title: str,
    fig: dict[str, Any],
    indicators: dict[str, str],
    names: dict[str, str],
    depth: int,
) -> list[list[str]]:
    indent = "  " * depth
    who = "" if depth == 0 else f"{fig.get('name', '')} "
    source = SOURCE_LABELS.get(fig.get("source", ""), "")
    rows = [
        [
            name,
            f"{indent}{who}{title}得分" + (f"({source})" if source else ""),
            _name_codes(fig.get("formula", ""), names),
        ]
    ]
    for item in fig.get("indicators") or []:
        label = indicators.get(item["indicator"], "指标")
        rows.append([name, f"{indent}  {label}", _name_codes(item.get("formula", ""), names)])
    for part in fig.get("parts") or []:
        rows += _figure_rows(name, title, part, indicators, names, depth + 1)
    return rows


def detail_rows(
    results: dict[str, Any],
    breakdown: dict[str, Any],
    methods: list[tuple[str, str]],
    units: set[str],
) -> list[list[str]]:
    """The stored working of every figure, in Chinese: (单位, 项目, 计算过程)."""
    campaign_code = results.get("campaign", "")
    indicators = dict(
        Indicator.objects.filter(campaign__code=campaign_code).values_list("code", "title")
    )
    titles = dict(methods)
    by_code = {u["unit"]: u for u in results.get("units", [])}
    rows: list[list[str]] = []
    for code, work in (breakdown.get("units") or {}).items():
        if code not in units:
            continue
        unit = by_code.get(code, {})
        name = unit.get("name", "")
        names = {code: name}
        for fig in (work.get("methods") or {}).values():
            if fig:
                _parts_names(fig, names)
        for method_code, title in methods:
            fig = (work.get("methods") or {}).get(method_code)
            if fig is None:
                rows.append([name, f"{title}得分", "无数据"])
                continue
            rows += _figure_rows(name, titles[method_code], fig, indicators, names, 0)
        rows.append([name, "加权得分", work.get("weighted", "")])
        for d in work.get("deductions") or []:
            status = "计入" if d.get("counted") else f"不计入:{d.get('reason', '')}"
            text = f"{d['date']} {d['title']} {d['points']}×{d['count']} = {d['amount']:.2f}"
            text += f"({status})" + (f" 依据:{d['evidence']}" if d.get("evidence") else "")
            rows.append([name, "减分", text])
        for t in work.get("sources") or []:
            rows.append([name, f"{t['title']}减分合计", t.get("formula", "")])
        for v in work.get("vetoes") or []:
            evidence = f" 依据:{v['evidence']}" if v.get("evidence") else ""
            rows.append([name, "一票否决", f"{v['date']} {v['title']}{evidence}"])
        rows.append([name, "综合得分", work.get("composite", "")])
        if work.get("grade"):
            rows.append([name, "等次", f"{grade_label(unit)}:{work['grade']}"])
        if unit.get("change") is not None:
            rows.append(
                [
                    name,
                    "同比",
                    f"{figure(unit.get('composite'))} − {figure(unit.get('baseline'))}"
                    f" = {figure(unit.get('change'))}",
                ]
            )
    # Notes are about the whole campaign (and may name any unit): not for a part of it.
    everyone = {u["unit"] for u in results.get("units", [])}
    notes = breakdown.get("notes") or [] if units >= everyone else []
    # A note names a unit that is not ranked by its code: named here from the unit list.
    names = dict(Unit.objects.values_list("code", "name")) if notes else {}
    for note in notes:
        rows.append(["", "说明", _name_codes(note, names)])
    return rows
