"""A :class:`~minping.reports.document.Document` as an A4 PDF, through WeasyPrint.

The same blocks as the Word file, rendered to HTML (``reports/document_pdf.html``)
with a print style sheet (``reports/document_pdf.css``) in the same official
layout. The page's fonts are lists, so WeasyPrint takes the first one installed:
the office's own face if it is there, else the free stand-in (see ``fonts``).
"""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string

from minping.reports.document import Chart, Document, Heading, PageBreak, Paragraph, Table
from minping.reports.fonts import ROLES, css_family, drawn_font, families

CHART_WIDTHS = (150, 120, 100)


def _blocks(document: Document) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            out.append({"kind": "heading", "item": block, "tag": min(block.level + 1, 4)})
        elif isinstance(block, Paragraph):
            out.append({"kind": "paragraph", "item": block})
        elif isinstance(block, Table):
            rows = [
                [{"text": text, "numeric": i in block.numeric} for i, text in enumerate(row)]
                for row in block.rows
            ]
            out.append({"kind": "table", "item": block, "rows": rows})
        elif isinstance(block, Chart):
            src = "data:image/png;base64," + base64.b64encode(block.png).decode("ascii")
            width = min(CHART_WIDTHS, key=lambda w: abs(w - block.width_mm))
            out.append({"kind": "chart", "item": block, "src": src, "width": width})
        elif isinstance(block, PageBreak):
            out.append({"kind": "break"})
    return out


def html_of(document: Document) -> str:
    return render_to_string(
        "reports/document_pdf.html", {"document": document, "blocks": _blocks(document)}
    )


def stylesheet() -> str:
    # A true 小标宋 is already heavy; a 黑体 stand-in is set bold to come close to it.
    title = drawn_font("title")
    stand_in = title is None or title in families("heading")
    return render_to_string(
        "reports/document_pdf.css",
        {
            "fonts": {role: css_family(role) for role in ROLES},
            "title_weight": "bold" if stand_in else "normal",
        },
    )


class PdfWriter:
    """Lays out many documents with one style sheet and font set-up (the cards of a ZIP)."""

    def __init__(self) -> None:
        from weasyprint import CSS  # imported late: loading Pango takes a moment
        from weasyprint.text.fonts import FontConfiguration

        self.fonts = FontConfiguration()
        self.css = CSS(string=stylesheet(), font_config=self.fonts)

    def __call__(self, document: Document) -> bytes:
        from weasyprint import HTML

        pdf: bytes = HTML(string=html_of(document)).write_pdf(
            stylesheets=[self.css], font_config=self.fonts
        )
        return pdf


def pdf_bytes(document: Document) -> bytes:
    """The document as an A4 PDF."""
    return PdfWriter()(document)
