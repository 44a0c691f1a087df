"""A :class:`~minping.reports.document.Document` as a Word file in official-document layout.

GB/T 9704-2012: A4; top margin 37 mm, binding margin 28 mm, a text block of
156 × 225 mm (so 26 mm outside and 35 mm at the bottom, mirrored on even
pages); 22 lines a page: 3号 (16 pt) text at an exact 28.95 pt line pitch; the
title in 2号 (22 pt) 小标宋, centred; 一、 headings in 黑体, (一) in 楷体; page
numbers "— 1 —" in 4号 宋体, 7 mm under the text block, odd pages right and even
pages left, one character in. Tables and captions are set smaller (五号, 10.5 pt)
at single spacing, as offices do for 附表.

East Asian text takes its font from ``w:rFonts/@w:eastAsia``, not from the
plain font name, so every style sets all of ascii, hAnsi and eastAsia.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from minping.reports.document import Chart, Document, Heading, PageBreak, Paragraph, Table
from minping.reports.fonts import ROLES, word_font

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NUMBER_PT = 14  # 4号
TABLE_PT = 10.5  # 五号
LINE_PITCH = Pt(28.95)  # 225 mm ÷ 22 lines

STYLE_BODY = "公文正文"
STYLE_TITLE = "公文标题"
STYLE_SUBTITLE = "公文副标题"
STYLE_HEADING = {1: "公文一级标题", 2: "公文二级标题", 3: "公文三级标题"}
STYLE_TABLE = "表格文字"
STYLE_CAPTION = "图表题"
STYLE_CLOSING = "公文落款"
STYLE_PAGE_NUMBER = "公文页码"


def set_fonts(rpr_owner: Any, family: str) -> None:
    """Name ``family`` for Latin and East Asian text of a style or run (``w:rFonts``)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), family)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:eastAsia"), "zh-CN")


def _style(
    docx: Any,
    name: str,
    role: str,
    size: float,
    *,
    bold: bool = False,
    align: Any = None,
    indent_chars: float = 0,
    exact: bool = True,
    before: float = 0,
    after: float = 0,
) -> None:
    style = docx.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = docx.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    set_fonts(style.element, word_font(role))
    layout = style.paragraph_format
    if exact:
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = LINE_PITCH
    else:
        layout.line_spacing_rule = WD_LINE_SPACING.SINGLE
    layout.space_before = Pt(before)
    layout.space_after = Pt(after)
    if align is not None:
        layout.alignment = align
    if indent_chars:
        layout.first_line_indent = Pt(size * indent_chars)


def _page_setup(docx: Any) -> None:
    section = docx.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # The number's top 7 mm below the text block: 35 − 7 − its 5 mm height.
    section.footer_distance = Mm(23)
    section.start_type = WD_SECTION_START.NEW_PAGE
    # The binding margin is on the left of odd pages and the right of even ones
    # (w:mirrorMargins belongs right after w:zoom in the settings part's schema order).
    zoom = docx.settings.element.find(qn("w:zoom"))
    mirror = OxmlElement("w:mirrorMargins")
    if zoom is not None:
        zoom.addnext(mirror)
    else:
        docx.settings.element.insert(0, mirror)
    docx.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(footer: Any, align: Any) -> None:
    """ "— N —" with N a PAGE field, one full-width character in from the outer edge."""
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = STYLE_PAGE_NUMBER
    paragraph.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
    else:
        paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
    paragraph.add_run("— ")
    for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("text", "1")):
        run = paragraph.add_run()
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    end = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    paragraph.add_run(" —")


def _defaults(docx: Any, family: str) -> None:
    """The document defaults name the text face, not the theme's (which would override it)."""
    defaults = docx.styles.element.find(qn("w:docDefaults"))
    fonts = (
        None
        if defaults is None
        else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    )
    if fonts is None:
        return
    for attribute in list(fonts.attrib):
        if attribute.endswith("Theme"):
            del fonts.attrib[attribute]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), family)


def _styles(docx: Any) -> None:
    _defaults(docx, word_font("body"))
    normal = docx.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, word_font("body"))
    centre, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    _style(docx, STYLE_BODY, "body", BODY_PT, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(docx, STYLE_TITLE, "title", TITLE_PT, align=centre, exact=False, after=BODY_PT)
    _style(docx, STYLE_SUBTITLE, "kai", BODY_PT, align=centre)
    _style(docx, STYLE_HEADING[1], "heading", BODY_PT, indent_chars=2)
    _style(docx, STYLE_HEADING[2], "kai", BODY_PT, indent_chars=2)
    _style(docx, STYLE_HEADING[3], "body", BODY_PT, bold=True, indent_chars=2)
    _style(docx, STYLE_TABLE, "body", TABLE_PT, exact=False)
    _style(
        docx, STYLE_CAPTION, "heading", TABLE_PT + 1.5, align=centre, exact=False, before=6, after=4
    )
    _style(docx, STYLE_CLOSING, "body", BODY_PT, align=right)
    _style(docx, STYLE_PAGE_NUMBER, "page_number", PAGE_NUMBER_PT, exact=False)


def _add(docx: Any, text: str, style: str) -> Any:
    """A paragraph in ``style`` (a name), set by id: by name python-docx searches every time."""
    paragraph = docx.add_paragraph(text)
    paragraph._p.style = _style_ids(docx)[style]
    return paragraph


def _style_ids(docx: Any) -> dict[str, str]:
    ids: dict[str, str] | None = getattr(docx, "_minping_style_ids", None)
    if ids is None:
        ids = {s.name: s.style_id for s in docx.styles}
        docx._minping_style_ids = ids
    return ids


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(docx: Any, table: Table) -> None:
    if table.caption:
        _add(docx, table.caption, STYLE_CAPTION)
    grid = docx.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = grid.rows
    _repeat_header(rows[0])
    # By id: setting a style by name makes python-docx search the style part every time.
    text_style = _style_ids(docx)[STYLE_TABLE]
    for column, text in enumerate(table.header):
        cell = rows[0].cells[column].paragraphs[0]
        cell._p.style = text_style
        cell.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # Header cells in 黑体, as offices set table heads (and one face fewer in the PDF).
        set_fonts(cell.add_run(text)._r, word_font("heading"))
    right, left = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
    for row, values in zip(rows[1:], table.rows, strict=True):
        # Reading the cells once: python-docx walks the row's XML on every .cells call.
        cells = row.cells
        for column, text in enumerate(values):
            cell = cells[column].paragraphs[0]
            cell._p.style = text_style
            cell.alignment = right if column in table.numeric else left
            cell.add_run(text)
    if table.note:
        _add(docx, table.note, STYLE_TABLE)


def _chart(docx: Any, chart: Chart) -> None:
    paragraph = _add(docx, "", STYLE_CAPTION)
    paragraph.add_run().add_picture(io.BytesIO(chart.png), width=Mm(chart.width_mm))
    if chart.caption:
        _add(docx, chart.caption, STYLE_CAPTION)


_bases: dict[tuple[str, ...], bytes] = {}


def _new(fonts: tuple[str, ...]) -> Any:
    """An empty document with the styles and page set-up; made once per set of fonts and
    reopened after (building the styles costs more than a report card's contents)."""
    if fonts not in _bases:
        docx = new_docx()
        _styles(docx)
        _page_setup(docx)
        buffer = io.BytesIO()
        docx.save(buffer)
        _bases[fonts] = buffer.getvalue()
    return new_docx(io.BytesIO(_bases[fonts]))


def docx_bytes(document: Document) -> bytes:
    """The document as a .docx file."""
    docx = _new(tuple(word_font(role) for role in ROLES))
    docx.core_properties.title = document.title
    docx.core_properties.language = "zh-CN"
    _add(docx, document.title, STYLE_TITLE)
    for line in document.subtitle:
        _add(docx, line, STYLE_SUBTITLE)
    for block in document.blocks:
        if isinstance(block, Heading):
            _add(docx, block.text, STYLE_HEADING.get(block.level, STYLE_BODY))
        elif isinstance(block, Paragraph):
            _add(docx, block.text, STYLE_BODY)
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Chart):
            _chart(docx, block)
        elif isinstance(block, PageBreak):
            docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if document.closing:
        _add(docx, "", STYLE_BODY)
        for line in document.closing:
            _add(docx, line, STYLE_CLOSING)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()
