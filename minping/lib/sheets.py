"""Every spreadsheet and CSV file the project writes, and only here: text stays text.

A complaint summary, a ledger entry or an imported unit name is typed by
someone outside the office. Written as it is, ``=HYPERLINK("http://x","y")``
would become a live formula in Excel or WPS, and ``+cmd|' /C calc'!A0`` a DDE
command in a CSV opened by Excel. So (OWASP, "CSV injection"):

- in an ``.xlsx`` every str is stored as an explicit text cell (openpyxl
  would store a str beginning with ``=`` as a formula), and one that begins
  with ``= + - @``, a tab or a carriage return is also marked "quote prefix",
  so that editing the cell in Excel keeps it text;
- in a CSV such a field is prefixed with a single quote ``'``.

Numbers stay numbers (a negative score written as a number is harmless).
Writers never import openpyxl's Workbook or call ``csv.writer`` themselves;
``minping/lib/tests/test_sheets.py`` fails if a module does.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Protocol
from xml.sax.saxutils import escape

# openpyxl (and numpy, which it imports when present) is imported where a workbook is made,
# not here: commands that only write CSV or JSON, such as `minping results`, start faster
# without it (docs/performance.md).
if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What makes Excel, WPS or LibreOffice read a cell as a formula or a command.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's own limit on the text of a cell.
MAX_CELL_CHARS = 32_767
# Characters an XML file cannot hold (openpyxl refuses them with an exception).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _border() -> Any:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_field(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would run gets a leading ``'``."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


class TextSink(Protocol):
    """Where CSV lines go: a file, or an echo object that hands each line to a stream."""

    def write(self, text: str, /) -> Any: ...


class CsvWriter:
    """``csv.writer`` whose every field goes through ``csv_field``."""

    def __init__(self, out: TextSink, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one row; returns what the file's ``write`` returned (the line, for a
        streaming echo file)."""
        # csv_field inlined: this runs once per field of files of millions of rows.
        return self._writer.writerow(
            ["'" + v if v.__class__ is str and v.startswith(FORMULA_STARTS) else v for v in row]
        )

    def writerow_cleaned(self, row: Iterable[Any]) -> Any:
        """Write a row whose every str already went through ``csv_field`` (a long export
        cleans each distinct name once, not once per row)."""
        return self._writer.writerow(row)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def text_csv(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    """Rows as CSV text, CRLF line ends, with a BOM so Chinese Excel reads it as UTF-8."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    CsvWriter(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one worksheet cell; the only place that does. A str is always a text cell."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = _NOT_IN_XML.sub("", value)[:MAX_CELL_CHARS]
        cell.value = text
        cell.data_type = "s"  # never "f" (formula) or "e" (error), whatever the text
        if looks_like_formula(text):
            cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.value = float(value)
        cell.number_format = "0.00"
    else:
        cell.value = value
    return cell


def display_width(value: Any) -> int:
    """Columns a value takes on screen: a Chinese character is two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fill_sheet(ws: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Bold header, frozen header row, two-decimal figures, widths that fit the content."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for column, title in enumerate(header, start=1):
        cell = put(ws, 1, column, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            put(ws, row_number, column, value)
    ws.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        widest = max([display_width(r[index - 1]) for r in rows] + [8])
        head = max(display_width(part) for part in title.split(" "))
        ws.column_dimensions[get_column_letter(index)].width = min(max(widest, head) + 2, 80)


def titled_table(
    ws: Worksheet,
    title: str,
    columns: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[Any]],
) -> None:
    """A form as offices print it: merged title row, bold header on row 2, bordered cells.

    ``columns`` are (header, width) pairs.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    border = _border()
    put(ws, 1, 1, title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    for index, (name, width) in enumerate(columns, start=1):
        cell = put(ws, 2, index, name)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = width
    for row_number, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            cell = put(ws, row_number, column, value)
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"


def print_setup(ws: Worksheet, *, repeat_rows: str, landscape: bool = True) -> None:
    """A4, one page wide however long, with the header rows printed on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    props = ws.sheet_properties
    if props.pageSetUpPr is None:
        props.pageSetUpPr = PageSetupProperties()
    props.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.print_title_rows = repeat_rows
    ws.print_options.horizontalCentered = True


class Book:
    """A workbook being written: add sheets, fill them with the functions above, save."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self._workbook = Workbook()
        first = self._workbook.active
        assert first is not None
        self._workbook.remove(first)

    def sheet(self, title: str) -> Worksheet:
        return self._workbook.create_sheet(title)

    def save(self, out: IO[bytes] | str) -> None:
        self._workbook.save(out)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


# --- a workbook of any length, written straight into the zip ----------------------------
#
# openpyxl builds an object per cell (about 20,000 cells a second here): too slow for every
# answer of a campaign. This writes the sheet's XML directly, one row at a time, with
# inline strings, into a zip in a temporary file; the same guarantees as ``put``: text is
# a text cell ("inlineStr", never a formula), formula-like text also gets the style with
# "quote prefix", characters XML cannot hold are dropped.

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    # Style 0 plain, 1 text with quote prefix, 2 bold (the header).
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
)


@functools.lru_cache(maxsize=4096, typed=True)  # typed: 1, 1.0 and True are not one key
def _xml_cell(value: Any, header: bool = False) -> str:
    """One cell's XML (cached: a long export repeats the same few names; bounded)."""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return f"<c><v>{value}</v></c>"
    text = _NOT_IN_XML.sub("", str(value))[:MAX_CELL_CHARS]
    style = ' s="2"' if header else ' s="1"' if looks_like_formula(text) else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def streamed_workbook(
    title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = 1 << 16
) -> Iterator[bytes]:
    """A one-sheet workbook of any number of rows, in constant memory: the rows go into a
    zip in a temporary file as they come, and the finished file is read back in chunks.
    The same row object given twice in a row is rendered once."""
    sheet = escape(title.translate(_BAD_SHEET_CHARS)[:31] or "Sheet1", {'"': "&quot;"})
    with tempfile.TemporaryFile() as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
            for name, text in _XLSX_PARTS.items():
                book.writestr(name, text)
            book.writestr(
                "xl/workbook.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>',
            )
            with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                lines = [_SHEET_HEAD, "<row>", *(_xml_cell(h, True) for h in header), "</row>"]
                previous: Sequence[Any] | None = None
                line = ""
                for row in rows:
                    if row is not previous:
                        line = "<row>" + "".join(map(_xml_cell, row)) + "</row>"
                        previous = row
                    lines.append(line)
                    if len(lines) >= 5000:
                        part.write("".join(lines).encode("utf-8"))
                        lines.clear()
                lines.append("</sheetData></worksheet>")
                part.write("".join(lines).encode("utf-8"))
        out.seek(0)
        while data := out.read(chunk):
            yield data


def one_sheet_workbook(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A workbook of a single filled sheet, as the bytes of an .xlsx file."""
    book = Book()
    fill_sheet(book.sheet(title), header, rows)
    return book.bytes()
