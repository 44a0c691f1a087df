"""Reading generated files back: Word through python-docx, PDF through pypdf."""

from __future__ import annotations

import io
import itertools
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

A4_POINTS = (595.28, 841.89)


def open_docx(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def body(doc: Any) -> list[Paragraph | Table]:
    """The document's paragraphs and tables in the order they appear."""
    items: list[Paragraph | Table] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            items.append(Paragraph(child, doc))
        elif child.tag == qn("w:tbl"):
            items.append(Table(child, doc))
    return items


def text_of(doc: Any) -> str:
    lines = []
    for item in body(doc):
        if isinstance(item, Paragraph):
            lines.append(item.text)
        else:
            lines += ["\t".join(c.text for c in row.cells) for row in item.rows]
    return "\n".join(lines)


def headings(doc: Any, style: str = "公文一级标题") -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == style]


def table_after(doc: Any, caption_end: str) -> list[list[str]]:
    """The rows of the table whose caption (the paragraph before it) ends with ``caption_end``."""
    items = body(doc)
    for before, item in itertools.pairwise(items):
        captioned = isinstance(before, Paragraph) and before.text.endswith(caption_end)
        if isinstance(item, Table) and captioned:
            return [[c.text for c in row.cells] for row in item.rows]
    raise AssertionError(f"no table captioned …{caption_end}")


def east_asian_font(style: Any) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def open_pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_fonts(reader: PdfReader) -> set[str]:
    names: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts = resources.get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names
