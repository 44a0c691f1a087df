"""Worksheets people open in Chinese Excel or WPS: a bold frozen header and fitting widths."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def display_width(value: Any) -> int:
    """Columns a value takes on screen: a Chinese character is two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fill_sheet(ws: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    """Bold header, frozen header row, two-decimal figures, widths that fit the content."""
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cell, value in zip(ws[ws.max_row], row, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = "0.00"
    ws.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        widest = max([display_width(r[index - 1]) for r in rows] + [8])
        head = max(display_width(part) for part in title.split(" "))
        ws.column_dimensions[get_column_letter(index)].width = min(max(widest, head) + 2, 80)


def one_sheet_workbook(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """A workbook of a single filled sheet, as the bytes of an .xlsx file."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    fill_sheet(ws, header, rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
