"""The ranking (``reports.ranking``) as an Excel workbook and as an A4 landscape PDF.

The workbook is laid out the way an office hands it on: a title row with the
campaign and the computation date, one sheet per group, a frozen header, and
printing set up (A4 landscape, one page wide, title and header on every page).
The PDF shows the same tables in the report's Chinese faces (``reports.fonts``).
"""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string

from minping.lib.sheets import Book, display_width, print_setup, titled_table
from minping.reports.fonts import css_family
from minping.reports.ranking import Ranking

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (≤ 31 characters, none of []:*?/\\), not yet taken."""
    title = name.translate(_BAD_SHEET_CHARS)[:31] or "组别"
    base, n = title, 2
    while title in taken:
        title = f"{base[:28]}({n})"
        n += 1
    taken.add(title)
    return title


def _widths(header: list[str], rows: list[list[object]], cap: int) -> list[tuple[str, int]]:
    return [
        (title, min(max([display_width(title)] + [display_width(r[i]) for r in rows]) + 2, cap))
        for i, title in enumerate(header)
    ]


def ranking_xlsx(ranking: Ranking) -> bytes:
    book = Book()
    taken: set[str] = set()
    heading = f"{ranking.title} {ranking.subtitle}"
    for table in ranking.tables:
        ws = book.sheet(sheet_title(table.group, taken))
        titled_table(
            ws, f"{heading} · {table.group}", _widths(ranking.header, table.rows, 24), table.rows
        )
        print_setup(ws, repeat_rows="1:2")
    ws = book.sheet(sheet_title("计算明细", taken))
    header = ["单位", "项目", "计算过程"]
    titled_table(
        ws,
        f"{heading} · 计算明细",
        [(header[0], 16), (header[1], 28), (header[2], 90)],
        ranking.details,
    )
    print_setup(ws, repeat_rows="1:2")
    if ranking.awards:
        ws = book.sheet(sheet_title("个人表彰", taken))
        header = ["奖项", "姓名", "职务", "单位"]
        titled_table(
            ws, f"{heading} · 个人表彰", _widths(header, ranking.awards, 30), ranking.awards
        )
        print_setup(ws, repeat_rows="1:2")
    return book.bytes()


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def ranking_html(ranking: Ranking) -> str:
    tables = [
        {
            "group": t.group,
            "rows": [
                [{"text": _text(v), "numeric": i in ranking.numeric} for i, v in enumerate(row)]
                for row in t.rows
            ],
        }
        for t in ranking.tables
    ]
    return render_to_string("reports/ranking_pdf.html", {"ranking": ranking, "tables": tables})


def ranking_css() -> str:
    fonts = {"body_font": css_family("heading"), "title_font": css_family("title")}
    return render_to_string("reports/ranking_pdf.css", fonts)


def ranking_pdf(ranking: Ranking) -> bytes:
    from weasyprint import CSS, HTML  # imported late: loading Pango takes a moment

    pdf: bytes = HTML(string=ranking_html(ranking)).write_pdf(
        stylesheets=[CSS(string=ranking_css())]
    )
    return pdf
