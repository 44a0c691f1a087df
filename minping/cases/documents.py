"""The registration-and-transfer card (政风行风问题和案件登记转办卡) as Word and PDF files.

The card goes to the responsible unit, so it names the complainant only by
pseudonym (R-32).
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from minping.cases.models import Case, Source


def card_rows(case: Case) -> list[tuple[str, str]]:
    """The card's fields, in the order the printed card and the Word file show them."""
    approved = ""
    if case.recommendation_approved_at:
        who = case.recommendation_approved_by
        approved = f"{who.get_username() if who else ''} {case.recommendation_approved_at:%Y-%m-%d}"
    return [
        ("转办卡编号", case.card_number or "(尚未转办)"),
        ("问题编号", case.number),
        ("登记日期", f"{case.registered_on:%Y年%m月%d日}"),
        ("问题来源", Source(case.source).label),
        ("反映人", case.pseudonym + ("(匿名)" if case.anonymous else "")),
        ("承办单位", case.unit.name if case.unit else ""),
        ("问题摘要", case.summary),
        ("反映的主要问题", case.details),
        ("整改建议", case.recommendation),
        ("领导批示", approved),
        ("转办日期", f"{case.transferred_on:%Y年%m月%d日}" if case.transferred_on else ""),
        (
            "办理时限",
            f"{case.deadline_workdays} 个工作日,{case.due_on:%Y年%m月%d日}前办结并答复"
            if case.due_on
            else "",
        ),
        ("办理结果", case.reply_handling),
    ]


def card_document(case: Case) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(12)
    # Word picks East Asian text's font from its own attribute, not the plain font name.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run("政风行风问题和案件登记转办卡")
    run.bold = True
    run.font.size = Pt(18)
    rows = card_rows(case)
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text = label
        row.cells[1].text = value
    document.add_paragraph("")
    document.add_paragraph(
        "请于办理时限内将调查核实情况、处理情况和整改措施书面答复组织单位(纠风办)。"
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def card_pdf(case: Case) -> bytes:
    """The card as an A4 PDF: the printable page's own table, through WeasyPrint."""
    from weasyprint import HTML  # imported late: loading Pango takes a moment

    pdf: bytes = HTML(string=render_to_string("cases/card_pdf.html", {"case": case})).write_pdf()
    return pdf
