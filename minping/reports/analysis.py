"""The analysis report (分析报告, R-38) of one results snapshot, as a :class:`Document`.

The figures come from the snapshot (``figures``) and, for collection and cases,
from the database as it stands (``facts``); the words come from the section
templates (``wording``), which an office may replace; the tables and charts
are made here and placed where a template names them. Tables and charts are
numbered in the order they appear (表1…, 图1…; 附表1… in the appendix).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from minping.campaigns.models import Campaign
from minping.lib.progress import Progress
from minping.lib.rates import as_percent, rate
from minping.orgs.models import Group as GroupModel
from minping.reports import charts, facts, figures
from minping.reports.document import Block, Chart, Document, Heading, Table
from minping.reports.figures import Snapshot, UnitFigures, show
from minping.reports.templatetags.minping_text import short_title
from minping.reports.wording import blocks, render
from minping.scoring.models import ResultSnapshot
from minping.surveys.breakdown import threshold

FOLDER = "reports/analysis"
# The sections in order: (template, what the progress display says meanwhile).
SECTIONS = [
    ("basic", "基本情况"),
    ("overall", "总体结果"),
    ("ranking", "各组排名"),
    ("grades", "优秀、不满意和重点跟踪单位"),
    ("indicators", "评议内容"),
    ("change", "与上年比较"),
    ("deductions", "减分和一票否决"),
    ("cases", "群众反映的问题"),
    ("appendix", "附表"),
]
# Names listed inline before "等 N 个单位".
NAMES_INLINE = 10
# Units with cases listed in the body; the appendix has them all.
CASE_UNITS_SHOWN = 20
HIDDEN_MARK = "*"


def chinese_date(moment: date | datetime) -> str:
    """2018年12月31日 (a moment in the server's time zone)."""
    if isinstance(moment, datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment.year}年{moment.month}月{moment.day}日"


def names_inline(names: list[str], most: int = NAMES_INLINE) -> str:
    if not names:
        return "无"
    if len(names) <= most:
        return "、".join(names)
    return "、".join(names[:most]) + f"等 {len(names)} 个单位"


def _unit_label(unit: UnitFigures) -> str:
    return f"{unit.name}({show(unit.composite)})"


def grade_text(unit: UnitFigures) -> str:
    """What the 等次 column says: 优秀, 不满意 (一票否决 said so), or blank."""
    if unit.vetoed:
        return "不满意(一票否决)"
    return unit.grade_label


class _Builder:
    """Collects one report's context, tables and charts section by section."""

    def __init__(self, campaign: Campaign, snapshot: ResultSnapshot, progress: Progress):
        self.campaign = campaign
        self.record = snapshot
        indicators = list(campaign.indicators.order_by("order").values_list("code", "title"))
        group_names = dict(
            GroupModel.objects.filter(code__in=campaign.groups).values_list("code", "name")
        )
        self.snap: Snapshot = figures.read_snapshot(
            snapshot.results, snapshot.breakdown, indicators, group_names
        )
        self.snap.asked = facts.asked_by_group(campaign)
        self.progress = progress
        self.tables: dict[str, Table] = {}
        self.collected: list[facts.MethodCollection] = []
        self.charts: dict[str, Chart] = {}
        self.context: dict[str, Any] = {
            "campaign": {"title": campaign.title, "year": campaign.year},
            "computed": chinese_date(snapshot.computed_at),
            "published": snapshot.published,
            "today": chinese_date(timezone.now()),
            "complete": self.snap.complete,
            "missing_count": len({m.get("unit") for m in self.snap.missing}),
        }

    # -- helpers ------------------------------------------------------------------

    def table(
        self,
        key: str,
        caption: str,
        header: list[str],
        rows: list[list[str]],
        numeric: set[int] | None = None,
        note: str = "",
    ) -> None:
        self.tables[key] = Table(
            caption,
            tuple(header),
            tuple(tuple(r) for r in rows),
            frozenset(numeric or ()),
            note,
        )

    def chart(self, key: str, caption: str, png: bytes) -> None:
        self.charts[key] = Chart(caption, png)

    @property
    def ranked(self) -> list[UnitFigures]:
        return [u for g in self.snap.groups for u in g.ranked]

    # -- sections ---------------------------------------------------------------------

    def basic(self) -> None:
        snap = self.snap
        collected = facts.collection(self.campaign)
        groups: list[dict[str, Any]] = [
            {"name": g.name, "count": len(g.units)} for g in snap.groups
        ]
        self.table(
            "units",
            "参评单位",
            ["组别", "参评单位数"],
            [[g["name"], str(g["count"])] for g in groups]
            + [["合计", str(sum(g["count"] for g in groups))]],
            {1},
        )
        by_code = {c.code: c for c in collected}
        self.table(
            "methods",
            "评议方法和权重",
            ["评议方法", "权重", "计分方式", "有效答卷(份)"],
            [
                [
                    m.title,
                    f"{m.weight.normalize():f}%",
                    "录入得分" if m.scores_input else "按答卷计算",
                    f"{by_code[m.code].accepted:,}" if m.code in by_code else "—",
                ]
                for m in snap.methods
            ],
            {1, 3},
        )
        channel_rows = []
        for c in collected:
            for ch in c.channels:
                channel_rows.append(
                    [
                        c.title,
                        ch.label,
                        f"{ch.ballots:,}",
                        "—" if ch.issued is None else f"{ch.issued:,}",
                        "—" if ch.used is None else f"{ch.used:,}",
                        ch.rate,
                    ]
                )
        self.table(
            "channels",
            "各评议方法的收集渠道和回收情况",
            ["评议方法", "渠道", "有效答卷(份)", "发放邀请码", "已使用", "回收率"],
            channel_rows or [["—", "—", "0", "—", "—", "—"]],
            {2, 3, 4, 5},
        )
        limit = threshold()
        category_rows = [
            [c.title, name, HIDDEN_MARK if n is None else f"{n:,}"]
            for c in collected
            for name, n in c.categories
        ]
        self.table(
            "categories",
            "各评议方法的评议主体类别",
            ["评议方法", "评议主体类别", "有效答卷(份)"],
            category_rows or [["—", "—", "0"]],
            {2},
            note=f"注:为防止识别出个人,少于 {limit} 份的类别以“{HIDDEN_MARK}”表示。",
        )
        samples = []
        for c in collected:
            below = [u.name for u in c.below_target]
            samples.append(
                [
                    c.title,
                    str(c.target) if c.target else "未设定",
                    str(len(c.units) - len(below)) if c.target else "—",
                    str(len(below)) if c.target else "—",
                    names_inline(below) if c.target else "—",
                ]
            )
        self.table(
            "samples",
            "样本量与目标",
            [
                "评议方法",
                "每单位目标(份)",
                "达到目标单位数",
                "未达到目标单位数",
                "未达到目标的单位",
            ],
            samples or [["—", "—", "—", "—", "—"]],
            {1, 2, 3},
        )
        responses = [
            {"title": c.title, "issued": ch.issued, "used": ch.used, "rate": ch.rate}
            for c in collected
            for ch in c.channels
            if ch.issued is not None
        ]
        self.context["basic"] = {
            "unit_count": len(snap.units),
            "groups": groups,
            "excluded": facts.excluded_units(self.campaign),
            "methods": [
                {
                    "title": m.title,
                    "weight": f"{m.weight.normalize():f}",
                    "scores_input": m.scores_input,
                }
                for m in snap.methods
            ],
            "method_count": len(snap.methods),
            "ballots": sum(c.accepted for c in collected),
            "held": sum(c.held for c in collected),
            "collection": [
                {
                    "title": c.title,
                    "accepted": c.accepted,
                    "target": c.target,
                    "below_target": [u.name for u in c.below_target],
                    "rounds": c.rounds,
                }
                for c in collected
            ],
            "responses": responses,
            "category_limit": limit,
        }
        self.collected = collected

    def overall(self) -> None:
        ranked = self.ranked
        composites = [u.composite for u in ranked if u.composite is not None]
        best = max(ranked, key=lambda u: u.composite or 0, default=None)
        worst = min(ranked, key=lambda u: u.composite or 0, default=None)
        bins = figures.distribution(composites)
        self.table(
            "distribution",
            "综合得分分布",
            ["分数段", "单位数", "占比"],
            [[b.label, str(b.count), as_percent(rate(b.count, len(composites)))] for b in bins],
            {1, 2},
            note="注:各分数段含下限、不含上限。",
        )
        per_group = [(g.name, figures.grade_counts(g.ranked)) for g in self.snap.groups]
        total = figures.grade_counts(ranked)
        labels = [label for label, _ in total]
        self.table(
            "grades",
            "各组等次分布",
            ["组别", *labels, "合计"],
            [
                [name, *(str(n) for _, n in counts), str(sum(n for _, n in counts))]
                for name, counts in per_group
            ]
            + [["合计", *(str(n) for _, n in total), str(sum(n for _, n in total))]],
            set(range(1, len(labels) + 2)),
        )
        if per_group:
            self.chart("grades", "各组等次分布", charts.grade_counts(per_group))
        self.context["overall"] = {
            "ranked": len(ranked),
            "mean": show(figures.mean(composites)),
            "median": show(figures.median(composites)),
            "highest": {"name": best.name, "score": show(best.composite)} if best else None,
            "lowest": {"name": worst.name, "score": show(worst.composite)} if worst else None,
            "grades": dict(total),
            "excellent": dict(total).get("优秀", 0),
            "unsatisfactory": dict(total).get("不满意", 0),
            "vetoed": sum(1 for u in ranked if u.vetoed),
            "ineligible": sum(1 for u in self.snap.units if not u.eligible),
            "watchlist": sum(1 for u in ranked if u.watchlist),
            "groups": [
                {
                    "name": g.name,
                    "count": len(g.ranked),
                    "mean": show(figures.mean(u.composite for u in g.ranked if u.composite)),
                }
                for g in self.snap.groups
            ],
        }

    def ranking(self) -> None:
        snap = self.snap
        has_baseline = any(u.change is not None for u in snap.units) or bool(
            self.campaign.baseline_code
        )
        groups = []
        for index, group in enumerate(snap.groups, 1):
            header = [
                "排名",
                "单位",
                *(_short(m.title) for m in snap.methods),
                "减分",
                "综合得分",
                "等次",
            ]
            if has_baseline:
                header.append("较上年")
            rows = []
            for u in group.units:
                row = [
                    str(u.rank) if u.rank else "—",
                    u.name,
                    *(
                        show(u.methods[m.code].score) if m.code in u.methods else "—"
                        for m in snap.methods
                    ),
                    show(u.deducted) if u.deducted else "0",
                    show(u.composite),
                    grade_text(u),
                ]
                if has_baseline:
                    row.append(show(u.change, sign=True))
                rows.append(row)
            n = len(snap.methods)
            numeric = {0, *range(2, 2 + n + 2)}
            if has_baseline:
                numeric.add(len(header) - 1)
            self.table(f"ranking-{index}", f"{group.name}综合得分排名", header, rows, numeric)
            ranked = [(u.name, float(u.composite or 0), u.grade_label) for u in group.ranked]
            if ranked:
                self.chart(
                    f"ranking-{index}",
                    f"{group.name}综合得分",
                    charts.ranking(ranked),
                )
            groups.append(
                {
                    "index": index,
                    "name": group.name,
                    "count": len(group.units),
                    "ranked": len(group.ranked),
                    "mean": show(figures.mean(u.composite for u in group.ranked if u.composite)),
                    "first": _unit_label(group.ranked[0]) if group.ranked else "",
                    "last": _unit_label(group.ranked[-1]) if group.ranked else "",
                    "unranked": [u.name for u in group.units if u.composite is None],
                    "has_chart": bool(ranked),
                    **self._certainty(group.ranked),
                }
            )
        self.context["ranking"] = {
            "groups": groups,
            "has_baseline": has_baseline,
            "min_ballots": (self.record.certainty or {}).get("min_ballots"),
        }

    def _certainty(self, ranked: list[UnitFigures]) -> dict[str, list[str]]:
        """Units whose place cannot be told apart from their neighbours', and units on a
        small sample (docs/statistics.md); empty for a snapshot computed without intervals."""
        marks = (self.record.certainty or {}).get("units") or {}
        alike, small = [], []
        for u in ranked:
            found = marks.get(u.code) or {}
            if found.get("alike"):
                low, high = found["alike"]
                alike.append(f"{u.name}(与第 {low}–{high} 名)")
            if found.get("small_sample"):
                small.append(u.name)
        return {"alike": alike, "small": small}

    def grades(self) -> None:
        snap = self.snap
        methods = {m.code: _short(m.title) for m in snap.methods}
        reasons = facts.ineligibility_reasons(self.campaign)
        groups: list[dict[str, Any]] = []
        watch_rows = []
        for index, group in enumerate(snap.groups, 1):
            excellent = [u for u in group.units if u.grade == figures.EXCELLENT]
            unsatisfactory = [u for u in group.units if u.grade == figures.UNSATISFACTORY]
            watched = [u for u in group.units if u.watchlist]
            for u in watched:
                watch_rows.append(
                    [group.name, u.name, "、".join(methods.get(c, c) for c in u.watchlist)]
                )
            groups.append(
                {
                    "index": index,
                    "name": group.name,
                    "excellent": [_unit_label(u) for u in excellent],
                    "unsatisfactory": [
                        _unit_label(u) + ("(一票否决)" if u.vetoed else "") for u in unsatisfactory
                    ],
                    "watchlist": [u.name for u in watched],
                    "ineligible": [u.name for u in group.units if not u.eligible],
                }
            )
        self.table(
            "grade-lists",
            "优秀和不满意单位",
            ["组别", "优秀", "不满意"],
            [
                [
                    g["name"],
                    "、".join(g["excellent"]) or "无",
                    "、".join(g["unsatisfactory"]) or "无",
                ]
                for g in groups
            ],
        )
        self.table(
            "watchlist",
            "重点跟踪单位",
            ["组别", "单位", "排名靠后的评议方法"],
            watch_rows or [["—", "无", "—"]],
        )
        self.table(
            "ineligible",
            "取消评优资格的单位",
            ["单位", "原因"],
            [[u.name, reasons.get(u.code, "")] for u in snap.units if not u.eligible]
            or [["无", "—"]],
        )
        self.context["grades"] = {
            "groups": groups,
            "excellent_quota": self.campaign.excellent,
            "unsatisfactory_quota": self.campaign.unsatisfactory,
            "watchlist_quota": self.campaign.watchlist,
            "watch_count": len(watch_rows),
            "ineligible": [u.name for u in snap.units if not u.eligible],
        }

    def indicators(self) -> None:
        snap = self.snap
        codes = [code for code, _ in snap.indicators]
        titles = dict(snap.indicators)
        overall = figures.indicator_means(self.ranked, codes)
        per_group = [(g, figures.indicator_means(g.ranked, codes)) for g in snap.groups]
        self.table(
            "indicators",
            "各项评议内容得分",
            ["评议内容", "全部单位", *(g.name for g, _ in per_group)],
            [
                [titles[c], show(overall[c]), *(show(scores[c]) for _, scores in per_group)]
                for c in codes
            ],
            set(range(1, 2 + len(per_group))),
        )
        if any(v is not None for v in overall.values()):
            series = [("全部单位", [_f(overall[c]) for c in codes])] + [
                (g.name, [_f(scores[c]) for c in codes]) for g, scores in per_group
            ]
            self.chart(
                "indicators",
                "各项评议内容得分",
                charts.indicator_scores([titles[c] for c in codes], series),
            )
        self.context["indicators"] = {
            "count": len(codes),
            "scored": any(v is not None for v in overall.values()),
            "items": [{"title": titles[c], "score": show(overall[c])} for c in codes],
            "weakest": [
                {"title": titles[c], "score": show(overall[c])} for c in figures.weakest(overall)
            ],
            "strongest": [
                {"title": titles[c], "score": show(overall[c])}
                for c in figures.weakest(
                    {k: -v if v is not None else None for k, v in overall.items()}
                )
            ],
            "groups": [
                {
                    "name": g.name,
                    "weakest": [
                        {"title": titles[c], "score": show(scores[c])}
                        for c in figures.weakest(scores)
                    ],
                }
                for g, scores in per_group
            ],
        }

    def change(self) -> None:
        snap = self.snap
        baseline_code = snap.baseline_campaign or self.campaign.baseline_code
        baseline = Campaign.objects.filter(code=baseline_code).first() if baseline_code else None
        groups = []
        chart_rows: list[tuple[str, float]] = []
        for index, group in enumerate(snap.groups, 1):
            changed = [u for u in group.units if u.change is not None]
            risers, fallers = figures.risers_and_fallers(group.units)
            rows = [
                [u.name, show(u.composite), show(u.baseline), show(u.change, sign=True)]
                for u in [*risers, *fallers]
            ]
            self.table(
                f"change-{index}",
                f"{group.name}升降幅度较大的单位",
                ["单位", "本年综合得分", "上年综合得分", "变化"],
                rows or [["无", "—", "—", "—"]],
                {1, 2, 3},
            )
            chart_rows += [(u.name, float(u.change or 0)) for u in [*risers, *fallers]]
            groups.append(
                {
                    "index": index,
                    "name": group.name,
                    "compared": len(changed),
                    "rose": sum(1 for u in changed if u.change and u.change > 0),
                    "fell": sum(1 for u in changed if u.change and u.change < 0),
                    "same": sum(1 for u in changed if u.change == 0),
                    "risers": [f"{u.name}({show(u.change, sign=True)})" for u in risers],
                    "fallers": [f"{u.name}({show(u.change, sign=True)})" for u in fallers],
                    "new": [u.name for u in group.units if u.baseline is None],
                }
            )
        if chart_rows:
            self.chart("change", "综合得分较上年变化较大的单位", charts.changes(chart_rows))
        self.context["change"] = {
            "has_baseline": bool(baseline_code),
            "baseline_title": baseline.title if baseline else (baseline_code or ""),
            "compared": sum(g["compared"] for g in groups),
            "groups": groups,
            "has_chart": bool(chart_rows),
            "named": figures.CHANGE_NAMED,
        }

    def deductions(self) -> None:
        snap = self.snap
        rows = []
        for u in snap.units:
            for d in u.deductions:
                rows.append(
                    [
                        u.name,
                        f"{d.title}({d.source})",
                        d.date,
                        str(d.count),
                        show(d.amount),
                        d.evidence,
                    ]
                )
        self.table(
            "deductions",
            "计入的减分",
            ["单位", "减分事由(来源)", "日期", "次数", "扣分", "依据"],
            rows or [["无", "—", "—", "—", "—", "—"]],
            {3, 4},
        )
        totals = [u for u in snap.units if u.deducted]
        self.table(
            "deduction-units",
            "各单位减分合计",
            ["单位", "组别", "减分合计"],
            [
                [u.name, snap.group_of(u).name, show(u.deducted)]
                for u in sorted(totals, key=lambda u: (-u.deducted, u.code))
            ]
            or [["无", "—", "—"]],
            {2},
            note="注:同一来源的减分超过上限的,按上限计。",
        )
        vetoes = [[u.name, v.title, v.date, v.evidence] for u in snap.units for v in u.vetoes]
        self.table(
            "vetoes",
            "一票否决",
            ["单位", "否决事由", "日期", "依据"],
            vetoes or [["无", "—", "—", "—"]],
        )
        self.context["deductions"] = {
            "count": len(rows),
            "units": len(totals),
            "points": show(sum((u.deducted for u in totals), Decimal("0.00"))),
            "vetoes": len(vetoes),
            "vetoed_units": [u.name for u in snap.units if u.vetoed],
            "period": (
                f"{chinese_date(self.campaign.deductions_from)}至"
                f"{chinese_date(self.campaign.deductions_to)}"
                if self.campaign.deductions_from and self.campaign.deductions_to
                else ""
            ),
        }

    def cases(self) -> None:
        found = facts.case_figures(self.campaign)
        row = found.overall
        counts = row.counts
        self.table(
            "cases-by-source",
            "群众反映问题的来源",
            ["来源", "件数"],
            [[label, str(n)] for label, n in found.by_source] or [["无", "0"]],
            {1},
        )
        units = sorted(found.by_unit.values(), key=lambda r: (-r.counts["total"], r.code))
        header = ["单位", "件数", "已答复", "按时答复率", "已销号", "办结率", "满意率"]

        def unit_row(r: facts.CaseRow) -> list[str]:
            c = r.counts
            return [
                r.label,
                str(c["total"]),
                str(c["answered"]),
                as_percent(r.on_time_rate),
                str(c["closed"]),
                as_percent(r.resolution_rate),
                as_percent(r.satisfaction_rate),
            ]

        self.table(
            "cases-by-unit",
            "反映问题较多的单位",
            header,
            [unit_row(r) for r in units[:CASE_UNITS_SHOWN]] or [["无", *["—"] * 6]],
            {1, 2, 3, 4, 5, 6},
        )
        self.table(
            "cases-all-units",
            "各单位群众反映问题办理情况",
            header,
            [unit_row(r) for r in units] or [["无", *["—"] * 6]],
            {1, 2, 3, 4, 5, 6},
        )
        self.context["cases"] = {
            "total": counts["total"],
            "transferred": counts["transferred"],
            "answered": counts["answered"],
            "on_time": counts["on_time"],
            "overdue": counts["overdue"],
            "closed": counts["closed"],
            "repeats": counts["repeats"],
            "followed_up": counts["followed_up"],
            "response_rate": as_percent(row.response_rate),
            "on_time_rate": as_percent(row.on_time_rate),
            "resolution_rate": as_percent(row.resolution_rate),
            "satisfaction_rate": as_percent(row.satisfaction_rate),
            "sources": [{"label": label, "count": n} for label, n in found.by_source],
            "units_with_cases": len(units),
            "units_listed": min(len(units), CASE_UNITS_SHOWN),
        }

    def appendix(self) -> None:
        snap = self.snap
        titles = dict(snap.indicators)
        groups = []
        for index, group in enumerate(snap.groups, 1):
            codes = [code for code, _ in snap.indicators_of(group.code)]
            header = ["排名", "单位"]
            for m in snap.methods:
                header.append(f"{_short(m.title)}(名次)")
            header += ["加权得分", "减分", "综合得分", "等次"]
            rows = []
            for u in group.units:
                row = [str(u.rank) if u.rank else "—", u.name]
                for m in snap.methods:
                    f = u.methods.get(m.code)
                    row.append(
                        "—"
                        if f is None or f.score is None
                        else f"{show(f.score)}({f.rank})"
                        if f.rank
                        else show(f.score)
                    )
                row += [
                    show(u.weighted),
                    show(u.deducted) if u.deducted else "0",
                    show(u.composite),
                    grade_text(u),
                ]
                rows.append(row)
            numeric = {0, *range(2, len(header) - 1)}
            self.table(
                f"appendix-scores-{index}",
                f"{group.name}各评议方法得分和名次",
                header,
                rows,
                numeric,
            )
            self.table(
                f"appendix-indicators-{index}",
                f"{group.name}各项评议内容得分",
                ["单位", *(titles[c] for c in codes)],
                [[u.name, *(show(u.indicators.get(c)) for c in codes)] for u in group.units],
                set(range(1, 1 + len(codes))),
            )
            groups.append({"index": index, "name": group.name})
        collected = self.collected
        ballot_methods = [c for c in collected]
        sample_rows = []
        by_unit: dict[str, dict[str, facts.UnitSample]] = {}
        order: list[tuple[str, str]] = []
        for c in ballot_methods:
            for s in c.units:
                if s.code not in by_unit:
                    by_unit[s.code] = {}
                    order.append((s.code, s.name))
                by_unit[s.code][c.code] = s
        for code, name in order:
            cells = []
            for c in ballot_methods:
                found = by_unit[code].get(c.code)
                if found is None:
                    cells.append("—")
                else:
                    mark = "(未达目标)" if found.below_target else ""
                    cells.append(f"{found.accepted:,}{mark}")
            sample_rows.append([name, *cells])
        self.table(
            "appendix-samples",
            "各单位有效答卷数",
            ["单位", *(_short(c.title) for c in ballot_methods)],
            sample_rows or [["无", *["—"] * len(ballot_methods)]],
            set(range(1, 1 + len(ballot_methods))),
        )
        self.context["appendix"] = {"groups": groups, "has_samples": bool(ballot_methods)}

    # -- assembly -----------------------------------------------------------------------

    def build(self) -> Document:
        steps = len(SECTIONS) + 1
        self.progress.start(steps, "节")
        for number, (name, _label) in enumerate(SECTIONS):
            getattr(self, name)()
            self.progress.update_to(number + 1)
        head = [line.strip() for line in render(f"{FOLDER}/title.txt", self.context).splitlines()]
        head = [line for line in head if line]
        document = Document(
            title=head[0] if head else f"{self.campaign.title}分析报告", subtitle=tuple(head[1:])
        )
        for name, _label in SECTIONS:
            document.blocks += blocks(
                f"{FOLDER}/{name}.txt", self.context, self.tables, self.charts
            )
        closing = render(f"{FOLDER}/closing.txt", self.context).splitlines()
        document.closing = tuple(line.strip() for line in closing if line.strip())
        _number(document, appendix_from=_appendix_start(document))
        self.progress.update_to(steps)
        return document


def _short(title: str) -> str:
    """A method's title without its bracketed explanation, for table headers."""
    return short_title(title)


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _appendix_start(document: Document) -> int:
    """Index of the first block of the appendix: the heading the appendix template opens with."""
    for i, block in enumerate(document.blocks):
        if isinstance(block, Heading) and block.text.startswith("附"):
            return i
    return len(document.blocks)


def _number(document: Document, appendix_from: int) -> None:
    """Number the captions in order: 表1, 图1 in the body; 附表1 in the appendix."""
    tables = charts_seen = appendix = 0
    numbered: list[Block] = []
    seen: dict[int, Block] = {}
    for i, block in enumerate(document.blocks):
        if id(block) in seen:  # a table placed twice keeps its number
            numbered.append(seen[id(block)])
            continue
        new: Block = block
        if isinstance(block, Table) and block.caption:
            if i >= appendix_from:
                appendix += 1
                new = dataclasses.replace(block, caption=f"附表{appendix} {block.caption}")
            else:
                tables += 1
                new = dataclasses.replace(block, caption=f"表{tables} {block.caption}")
        elif isinstance(block, Chart) and block.caption:
            charts_seen += 1
            new = dataclasses.replace(block, caption=f"图{charts_seen} {block.caption}")
        seen[id(block)] = new
        numbered.append(new)
    document.blocks = numbered


def analysis_report(
    campaign: Campaign, snapshot: ResultSnapshot, progress: Progress | None = None
) -> Document:
    """The analysis report of ``snapshot`` (a snapshot of ``campaign``)."""
    return _Builder(campaign, snapshot, progress or Progress()).build()
