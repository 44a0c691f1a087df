"""The report's charts, drawn with matplotlib (Agg, no display) in a Chinese face, as PNG.

Scores sit close together (most units between 80 and 95), so rankings and
indicator scores are dot plots on an axis that starts near the lowest figure,
not bars from zero that would all look alike; counts and changes are bars from
zero. Shades differ in lightness too, so a black-and-white print still tells
them apart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from minping.reports.fonts import chart_font_file

DPI = 200
WIDTH_IN = 6.3  # about 160 mm: the text block is 156 mm wide
DARK, MID, LIGHT = "#1f3b73", "#5b7fc0", "#b8c7e6"
RED, GREY = "#a61b1b", "#8c8c8c"
# Units shown by name in a ranking chart; a longer group shows its top and bottom.
RANKING_ROWS = 40
RANKING_ENDS = 15


@contextmanager
def _chinese() -> Iterator[None]:
    from matplotlib import font_manager, rc_context

    path = chart_font_file()
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    style: dict[str, Any] = {
        "font.family": [name],
        "font.size": 9,
        "axes.unicode_minus": False,  # the minus sign, not a glyph the face may lack
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    # cast: matplotlib types the keys as a Literal of every rc name.
    with rc_context(cast(Any, style)):
        yield


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _figure(height_in: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, max(1.6, height_in)), layout="constrained")


def grade_counts(groups: Sequence[tuple[str, Sequence[tuple[str, int]]]]) -> bytes:
    """Bars per group: how many units got each grade. ``groups``: (group, [(grade, n)])."""
    with _chinese():
        figure = _figure(2.6)
        axes = figure.add_subplot()
        labels = [label for label, _ in groups[0][1]] if groups else []
        shades = [DARK, RED, LIGHT, MID, GREY]
        width = 0.8 / max(len(labels), 1)
        for i, label in enumerate(labels):
            xs = [g + (i - (len(labels) - 1) / 2) * width for g in range(len(groups))]
            counts = [dict(pairs).get(label, 0) for _, pairs in groups]
            bars = axes.bar(xs, counts, width, label=label, color=shades[i % len(shades)])
            axes.bar_label(bars, padding=1, fontsize=8)
        axes.set_xticks(range(len(groups)), [name for name, _ in groups])
        axes.set_ylabel("单位数")
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.legend(
            frameon=False, ncols=max(len(labels), 1), loc="upper center", bbox_to_anchor=(0.5, 1.15)
        )
        return _png(figure)


def ranking(rows: Sequence[tuple[str, float, str]]) -> bytes:
    """A dot per unit, best at the top. ``rows``: (name, composite, grade label), in rank order.

    A group longer than ``RANKING_ROWS`` shows its first and last ``RANKING_ENDS``.
    """
    shown: list[tuple[str, float, str] | None] = list(rows)
    if len(rows) > RANKING_ROWS:
        shown = [*rows[:RANKING_ENDS], None, *rows[-RANKING_ENDS:]]
    with _chinese():
        figure = _figure(0.19 * len(shown) + 0.6)
        axes = figure.add_subplot()
        colours = {"优秀": DARK, "不满意": RED}
        names = []
        for y, row in enumerate(shown):
            if row is None:
                names.append(f"……(中间 {len(rows) - 2 * RANKING_ENDS} 个单位略)")
                continue
            name, score, grade = row
            names.append(name)
            axes.plot([score], [y], "o", color=colours.get(grade, MID), markersize=4.5)
            axes.annotate(
                f"{score:.2f}", (score, y), xytext=(4, -3), textcoords="offset points", fontsize=7
            )
        scores = [r[1] for r in rows]
        if scores:
            low, high = math.floor(min(scores)) - 1, math.ceil(max(scores)) + 2
            axes.set_xlim(low, high)
        axes.set_yticks(range(len(shown)), names, fontsize=7.5)
        axes.set_ylim(len(shown) - 0.5, -0.5)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_xlabel("综合得分(深色为优秀,红色为不满意)")
        return _png(figure)


def changes(rows: Sequence[tuple[str, float]]) -> bytes:
    """Bars from zero: change against last year per unit, risers up top."""
    ordered = sorted(rows, key=lambda r: -r[1])
    with _chinese():
        figure = _figure(0.2 * len(ordered) + 0.6)
        axes = figure.add_subplot()
        ys = range(len(ordered))
        values = [v for _, v in ordered]
        bars = axes.barh(ys, values, color=[DARK if v >= 0 else RED for v in values], height=0.6)
        axes.bar_label(bars, labels=[f"{v:+.2f}" for v in values], padding=2, fontsize=7)
        axes.set_yticks(list(ys), [n for n, _ in ordered], fontsize=7)
        axes.set_ylim(len(ordered) - 0.5, -0.5)
        axes.axvline(0, color="#333333", linewidth=0.8)
        span = max((abs(v) for v in values), default=1) * 1.25 or 1
        axes.set_xlim(-span, span)
        axes.set_xlabel("综合得分较上年变化(分)")
        return _png(figure)


def indicator_scores(
    indicators: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> bytes:
    """A dot per indicator and series (全部单位, then each group): where the weak spots are."""
    with _chinese():
        figure = _figure(0.32 * len(indicators) * max(1, len(series)) ** 0.5 + 0.9)
        axes = figure.add_subplot()
        markers = ["o", "s", "^", "D", "v", "P"]
        shades = [DARK, RED, MID, GREY, LIGHT, "#000000"]
        offsets = [(i - (len(series) - 1) / 2) * 0.12 for i in range(len(series))]
        values: list[float] = []
        for i, (label, scores) in enumerate(series):
            points = [(s, y + offsets[i]) for y, s in enumerate(scores) if s is not None]
            values += [s for s, _ in points]
            axes.plot(
                [s for s, _ in points],
                [y for _, y in points],
                markers[i % 6],
                color=shades[i % 6],
                label=label,
                markersize=5,
                linestyle="none",
            )
        if values:
            axes.set_xlim(math.floor(min(values)) - 1, math.ceil(max(values)) + 1)
        axes.set_yticks(range(len(indicators)), [_wrap(t, 14) for t in indicators], fontsize=8)
        axes.set_ylim(len(indicators) - 0.5, -0.5)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_xlabel("指标得分")
        axes.legend(
            frameon=False,
            fontsize=7,
            ncols=min(len(series), 4),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.25 if len(indicators) < 4 else -0.12),
        )
        return _png(figure)


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))
