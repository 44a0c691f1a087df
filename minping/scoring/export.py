"""Results as the fixed JSON contract, as CSV for Chinese Excel, and as an XLSX workbook.

Only here are exact figures rounded for people (S-5): every number leaves as a
2-decimal figure rounded half-up, and JSON numbers are numbers (86.4, not "86.40").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import IO, Any

from minping.campaigns.definition import SourceDef
from minping.lib.sheets import Book, fill_sheet, text_csv
from minping.scoring.certainty import (
    Certainty,
    assess,
    certainty_json,
    interval_text,
    place_note,
)
from minping.scoring.engine import (
    BALLOTS,
    CASES,
    EXCELLENT,
    SCORES,
    UNSATISFACTORY,
    MethodDef,
    MethodFigure,
    Results,
    UnitResult,
    round2,
)

GRADE_LABELS = {EXCELLENT: "优秀", UNSATISFACTORY: "不满意"}
SOURCE_LABELS = {
    "ballots": "本单位答卷",
    "parts": "下属单位平均",
    "scores": "录入得分",
    "cases": "问题线索办理情况",
}


def number(x: Fraction | Decimal | None) -> float | None:
    """A figure for JSON: rounded half-up to 2 decimals, as a number."""
    return None if x is None else float(round2(x))


# --- JSON ---------------------------------------------------------------------


def _method_json(method_input: str, figure: MethodFigure | None) -> dict[str, Any]:
    entry = _method_figure_json(method_input, figure)
    if figure is not None and figure.deducted is not None:
        # Version 2: deductions came off this method; ``score`` is after them.
        entry["deducted"] = number(figure.deducted)
    return entry


def _method_figure_json(method_input: str, figure: MethodFigure | None) -> dict[str, Any]:
    if method_input == SCORES:
        return {"score": number(figure.score) if figure else None}
    if method_input == CASES:
        return {
            "score": number(figure.score) if figure else None,
            "cases": figure.cases if figure else None,
        }
    if figure is None:
        return {"score": None, "ballots": 0, "satisfaction_rate": None}
    return {
        "score": number(figure.score),
        "ballots": figure.ballots,
        "satisfaction_rate": number(figure.satisfaction_rate),
        "source": figure.source,
    }


def _method_entry(method: MethodDef, composite: bool = True) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": method.code,
        "title": method.title,
        "weight": float(method.weight),
        "input": method.input,
    }
    if not composite:  # version 2: the methods have no weights
        entry["weight"] = None
    if not method.scored:  # version 2 only: a version-1 file's JSON keeps its keys
        entry["scored"] = False
    if method.groups:  # version 2 only
        entry["groups"] = list(method.groups)
    return entry


def _source_entry(source: SourceDef) -> dict[str, Any]:
    cap = None if source.cap is None else float(source.cap)
    entry: dict[str, Any] = {"code": source.code, "title": source.title, "cap": cap}
    if source.floor is not None:  # version 2 only
        entry["floor"] = float(source.floor)
    return entry


def unit_json(results: Results, unit: UnitResult) -> dict[str, Any]:
    """One unit as in DESIGN.md "Results JSON"."""
    return {
        "unit": unit.unit,
        "name": unit.name,
        "group": unit.group,
        "methods": {
            m.code: _method_json(m.input, unit.methods.get(m.code))
            for m in results.campaign.methods
            if m.code in unit.methods  # version 2: only the methods of the unit's group
        },
        "method_ranks": dict(unit.method_ranks),
        "weighted": number(unit.weighted),
        "deductions": {code: number(total) for code, total in unit.deductions.items()},
        "composite": number(unit.composite),
        "rank": unit.rank,
        "vetoed": unit.vetoed,
        "grade": unit.grade,
        "watchlist": list(unit.watchlist),
        "baseline": number(unit.baseline),
        "change": number(unit.change),
        "eligible": unit.eligible,
        # Version 2: why it lost award eligibility (a version-1 file's JSON keeps its keys).
        **(
            {"ineligible_reason": unit.ineligible_reason}
            if not unit.eligible and results.campaign.format >= 2
            else {}
        ),
        **({"focus": list(unit.focus)} if _focus_asked(results) else {}),
    }


def _focus_asked(results: Results) -> bool:
    """Whether the campaign (version 2) takes a focus list from last year's results."""
    grading = results.campaign.grading
    return bool(grading.baseline_bottom or grading.baseline_criticised)


def results_json(
    results: Results, *, breakdown: bool = False, intervals: bool = False
) -> dict[str, Any]:
    """The results contract, with the campaign's groups, methods and missing inputs;
    ``intervals`` adds the 95% intervals under the key ``certainty`` (docs/statistics.md)."""
    campaign = results.campaign
    data: dict[str, Any] = {
        "campaign": campaign.code,
        "title": campaign.title,
        "complete": results.complete,
        "groups": [{"code": g.code, "name": g.title} for g in campaign.groups],
        "methods": [_method_entry(m, campaign.composite) for m in campaign.methods],
        "deduction_sources": [_source_entry(s) for s in campaign.sources],
        "baseline_campaign": (
            {"campaign": results.baseline.campaign, "source": results.baseline.source}
            if results.baseline
            else None
        ),
        "units": [unit_json(results, u) for u in results.units],
        "missing": [
            {
                "unit": m.unit,
                "name": m.name,
                "group": m.group,
                "method": m.method,
                "reason": m.reason,
                "message": m.message,
                "blocks_composite": m.blocks_composite,
            }
            for m in results.missing
        ],
        "notes": list(results.notes),
    }
    if not campaign.composite:  # version 2 only: a version-1 file's JSON keeps its keys
        data = _after(data, "complete", {"composite": False})
        if campaign.grading.by:
            data = _after(data, "composite", {"graded_by": campaign.grading.by})
    if results.shortfalls:  # version 2 only: a version-1 file's JSON keeps its keys
        data["shortfalls"] = [
            {
                "method": s.method,
                "unit": s.unit or None,
                "found": s.found,
                "required": s.required,
                "refuse": s.refuse,
                "message": s.message,
            }
            for s in results.shortfalls
        ]
    if breakdown:
        data["breakdown"] = breakdown_json(results)
    if intervals:
        data["certainty"] = certainty_json(assess(results))
    return data


def _after(data: dict[str, Any], key: str, more: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``more`` placed right after ``key``, so that it reads near the top."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        out[k] = v
        if k == key:
            out.update(more)
    return out


def _figure_breakdown(figure: MethodFigure) -> dict[str, Any]:
    if figure.source == "cases":
        return {
            "unit": figure.unit,
            "name": figure.unit_name,
            "source": figure.source,
            "score": number(figure.score),
            "cases": figure.cases,
            "formula": figure.formula,
        }
    return {
        "unit": figure.unit,
        "name": figure.unit_name,
        "source": figure.source,
        "score": number(figure.score),
        "satisfaction_rate": number(figure.satisfaction_rate),
        "ballots": figure.ballots,
        "answers": figure.answers,
        "satisfied_answers": figure.satisfied_answers,
        "formula": figure.formula,
        "indicators": [
            {
                "indicator": i.indicator,
                "weight": float(i.weight),
                "levels": {lc.label: lc.count for lc in i.levels},
                "answers": i.answers,
                "points_sum": number(i.points_sum),
                "score": number(i.score),
                "formula": i.formula,
            }
            for i in figure.indicators
        ],
        "parts": [_figure_breakdown(p) for p in figure.parts],
        "parts_without_data": list(figure.parts_without_data),
    }


def breakdown_json(results: Results) -> dict[str, Any]:
    """Every figure's working, per unit: what a person needs to check it by hand."""
    units = {}
    for unit in results.units:
        units[unit.unit] = {
            "methods": {
                code: (_figure_breakdown(f) if f is not None else None)
                for code, f in unit.methods.items()
            },
            "weighted": unit.weighted_formula,
            "deductions": [
                {
                    "id": d.id,
                    "rule": d.rule,
                    "title": d.rule_title,
                    "source": d.source,
                    "date": d.date.isoformat(),
                    "count": d.count,
                    "points": float(d.points),
                    "amount": number(d.amount),
                    "counted": d.counted,
                    "reason": d.reason,
                    "evidence": d.evidence,
                }
                for d in unit.deduction_lines
            ],
            "sources": [
                {
                    "source": t.source,
                    "title": t.title,
                    "raw": number(t.raw),
                    "cap": None if t.cap is None else float(t.cap),
                    "total": number(t.total),
                    "formula": t.formula,
                }
                for t in unit.source_totals
            ],
            "vetoes": [
                {
                    "id": v.id,
                    "rule": v.rule,
                    "title": v.rule_title,
                    "date": v.date.isoformat(),
                    "evidence": v.evidence,
                }
                for v in unit.vetoes
            ],
            "composite": unit.composite_formula,
            "grade": unit.grade_reason,
        }
    return {"units": units, "notes": list(results.notes)}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- table (CSV and XLSX) ------------------------------------------------------------


def table_header(results: Results) -> list[str]:
    """Column titles, Chinese then the English key, so both kinds of reader find their way."""
    header = ["组别 group", "排名 rank", "单位代码 unit", "单位名称 name"]
    for m in results.campaign.methods:
        header.append(f"{m.title}得分 {m.code}.score")
        if m.input == BALLOTS:
            header += [f"{m.title}答卷数 {m.code}.ballots", f"{m.title}满意率 {m.code}.rate"]
        elif m.input == CASES:
            header.append(f"{m.title}问题线索数 {m.code}.cases")
        header.append(f"{m.title}排名 {m.code}.rank")
    header.append("加权得分 weighted")
    header += [f"{s.title}减分 deduction.{s.code}" for s in results.campaign.sources]
    header += [
        "综合得分 composite",
        "一票否决 vetoed",
        "等次 grade",
        "重点跟踪 watchlist",
        "上年 baseline",
        "变化 change",
    ]
    return header


def table_row(results: Results, unit: UnitResult) -> list[Any]:
    """One unit's row; figures as rounded Decimals, empty where there is none."""
    groups = {g.code: g.title for g in results.campaign.groups}
    titles = {m.code: m.title for m in results.campaign.methods}
    row: list[Any] = [groups.get(unit.group, unit.group), unit.rank, unit.unit, unit.name]
    for m in results.campaign.methods:
        f = unit.methods.get(m.code)
        row.append(round2(f.score) if f else None)
        if m.input == BALLOTS:
            row.append(f.ballots if f else 0)
            rate = f.satisfaction_rate if f else None
            row.append(round2(rate) if rate is not None else None)
        elif m.input == CASES:
            row.append(f.cases if f else None)
        row.append(unit.method_ranks.get(m.code))
    row.append(round2(unit.weighted) if unit.weighted is not None else None)
    row += [round2(unit.deductions.get(s.code, Fraction(0))) for s in results.campaign.sources]
    row += [
        round2(unit.composite) if unit.composite is not None else None,
        "是" if unit.vetoed else "否",
        GRADE_LABELS.get(unit.grade or "", ""),
        "、".join(titles[c] for c in unit.watchlist),
        unit.baseline,
        unit.change,
    ]
    return row


def csv_text(results: Results) -> str:
    """One row per unit, UTF-8 with BOM so Chinese Excel opens it as UTF-8: the same file
    as a stored snapshot's (``snapshot_csv``), from the results JSON."""
    return snapshot_csv(results_json(results))


def snapshot_csv(data: dict[str, Any], units: set[str] | None = None) -> str:
    """A stored results JSON as the same CSV as ``csv_text`` (figures as stored: S-5 already
    applied); ``units`` keeps only those units' rows."""
    methods = data.get("methods", [])
    sources = data.get("deduction_sources", [])
    groups = {g["code"]: g["name"] for g in data.get("groups", [])}
    titles = {m["code"]: m["title"] for m in methods}
    header = ["组别 group", "排名 rank", "单位代码 unit", "单位名称 name"]
    for m in methods:
        header.append(f"{m['title']}得分 {m['code']}.score")
        if m["input"] == BALLOTS:
            header += [f"{m['title']}答卷数 {m['code']}.ballots"]
            header += [f"{m['title']}满意率 {m['code']}.rate"]
        elif m["input"] == CASES:
            header.append(f"{m['title']}问题线索数 {m['code']}.cases")
        header.append(f"{m['title']}排名 {m['code']}.rank")
    header.append("加权得分 weighted")
    header += [f"{s['title']}减分 deduction.{s['code']}" for s in sources]
    header += [
        "综合得分 composite",
        "一票否决 vetoed",
        "等次 grade",
        "重点跟踪 watchlist",
        "上年 baseline",
        "变化 change",
    ]

    def fixed(x: Any) -> Any:
        return "" if x is None else f"{Decimal(str(x)):.2f}"

    rows = []
    for unit in data.get("units", []):
        if units is not None and unit["unit"] not in units:
            continue
        row: list[Any] = [groups.get(unit["group"], unit["group"]), unit.get("rank") or ""]
        row += [unit["unit"], unit["name"]]
        for m in methods:
            f = unit.get("methods", {}).get(m["code"]) or {}
            row.append(fixed(f.get("score")))
            if m["input"] == BALLOTS:
                row += [f.get("ballots") or 0, fixed(f.get("satisfaction_rate"))]
            elif m["input"] == CASES:
                row.append("" if f.get("cases") is None else f["cases"])
            row.append(unit.get("method_ranks", {}).get(m["code"]) or "")
        row.append(fixed(unit.get("weighted")))
        row += [fixed(unit.get("deductions", {}).get(s["code"], 0)) for s in sources]
        row += [
            fixed(unit.get("composite")),
            "是" if unit.get("vetoed") else "否",
            "不满意" if unit.get("vetoed") else GRADE_LABELS.get(unit.get("grade") or "", ""),
            "、".join(titles.get(c, c) for c in unit.get("watchlist", [])),
            fixed(unit.get("baseline")),
            fixed(unit.get("change")),
        ]
        rows.append(row)
    return text_csv([header, *rows])


def breakdown_rows(results: Results) -> Iterator[list[str]]:
    """The breakdown flattened to (unit, name, item, working) rows for a sheet."""
    for unit in results.units:
        u, n = unit.unit, unit.name
        for code, figure in unit.methods.items():
            if figure is None:
                yield [u, n, f"{code} 得分", "无数据(见“缺少数据”)"]
                continue
            yield from _figure_rows(u, n, code, figure, depth=0)
        yield [u, n, "加权得分", unit.weighted_formula]
        for d in unit.deduction_lines:
            status = "计入" if d.counted else f"不计入:{d.reason}"
            yield [
                u,
                n,
                f"减分 #{d.id}",
                f"{d.date} {d.rule_title} {d.points}×{d.count} = {round2(d.amount)}({status})"
                + (f" 依据:{d.evidence}" if d.evidence else ""),
            ]
        for t in unit.source_totals:
            yield [u, n, f"{t.title}减分合计", t.formula]
        for v in unit.vetoes:
            yield [
                u,
                n,
                "一票否决",
                f"{v.date} {v.rule_title}" + (f" 依据:{v.evidence}" if v.evidence else ""),
            ]
        yield [u, n, "综合得分", unit.composite_formula]
        if unit.grade_reason:
            yield [u, n, "等次", f"{GRADE_LABELS.get(unit.grade or '', '')}:{unit.grade_reason}"]
        if unit.change is not None:
            yield [
                u,
                n,
                "同比变化",
                f"{round2(unit.composite or 0)} − {unit.baseline} = {unit.change}",
            ]
    for note in results.notes:
        yield ["", "", "说明", note]


def _figure_rows(
    unit: str, name: str, method: str, figure: MethodFigure, depth: int
) -> Iterator[list[str]]:
    indent = "  " * depth
    who = "" if depth == 0 else f"{figure.unit_name}({figure.unit}) "
    yield [
        unit,
        name,
        f"{indent}{who}{method} 得分({SOURCE_LABELS[figure.source]})",
        figure.formula,
    ]
    for i in figure.indicators:
        yield [unit, name, f"{indent}  指标 {i.indicator}", i.formula]
    for part in figure.parts:
        yield from _figure_rows(unit, name, method, part, depth + 1)


# --- XLSX -------------------------------------------------------------------------

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(name: str, taken: set[str]) -> str:
    title = name.translate(_BAD_SHEET_CHARS)[:31] or "组别"
    base, n = title, 2
    while title in taken:
        title = f"{base[:28]}({n})"
        n += 1
    taken.add(title)
    return title


def certainty_header(results: Results) -> list[str]:
    """The columns of the 95% intervals (docs/statistics.md), after a unit's figures."""
    header = ["综合得分95%区间 composite.interval"]
    for m in results.campaign.methods:
        if m.input == BALLOTS:
            header += [
                f"{m.title}得分95%区间 {m.code}.score_interval",
                f"{m.title}满意率95%区间 {m.code}.rate_interval",
            ]
    return [*header, "名次说明 place_note"]


def certainty_row(results: Results, certainty: Certainty, unit: UnitResult) -> list[str]:
    found = certainty.unit(unit.unit)
    row = [interval_text(found.composite if found else None)]
    for m in results.campaign.methods:
        if m.input == BALLOTS:
            figure = found.methods.get(m.code) if found else None
            row += [
                interval_text(figure.score if figure else None),
                interval_text(figure.rate if figure else None, "%"),
            ]
    titles = {m.code: m.title for m in results.campaign.methods}
    return [*row, place_note(found, titles, certainty.min_ballots)]


def write_xlsx(results: Results, out: IO[bytes] | str) -> None:
    """A workbook: one ranking sheet per group (with the 95% intervals), the breakdown,
    and missing inputs if any."""
    book = Book()
    taken: set[str] = set()
    certainty = assess(results)
    header = table_header(results) + certainty_header(results)
    for group in results.campaign.groups:
        ws = book.sheet(_sheet_title(group.title, taken))
        rows = [
            table_row(results, u) + certainty_row(results, certainty, u)
            for u in results.units
            if u.group == group.code
        ]
        fill_sheet(ws, header, rows)
    ws = book.sheet(_sheet_title("计算明细", taken))
    fill_sheet(ws, ["单位代码", "单位名称", "项目", "计算过程"], list(breakdown_rows(results)))
    if results.missing:
        ws = book.sheet(_sheet_title("缺少数据", taken))
        fill_sheet(
            ws,
            ["单位代码", "单位名称", "组别", "评议方法", "原因", "影响综合得分"],
            [
                [m.unit, m.name, m.group, m.method, m.message, "是" if m.blocks_composite else "否"]
                for m in results.missing
            ],
        )
    book.save(out)
