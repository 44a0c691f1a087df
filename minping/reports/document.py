"""A report as an ordered list of blocks, written out the same way as Word and as PDF.

The analysis report and the unit report cards are built as a :class:`Document`;
``docx_layout`` and ``pdf_layout`` lay it out. Every figure is already a string
here, so the two files show exactly the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    """``level`` 1: 一、 (黑体); 2: (一) (楷体); 3: 1. (仿宋, bold)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Body text, first line indented two characters."""

    text: str


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Columns holding figures, aligned right; the others are left aligned.
    numeric: frozenset[int] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class Chart:
    caption: str
    png: bytes
    # Width on the page; the height follows the picture.
    width_mm: float = 150


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Chart | PageBreak


@dataclass
class Document:
    title: str
    # Lines under the title (e.g. the date and what the figures come from).
    subtitle: tuple[str, ...] = ()
    blocks: list[Block] = field(default_factory=list)
    # Closing lines, right aligned (issuer and date).
    closing: tuple[str, ...] = ()

    def headings(self, level: int | None = None) -> list[str]:
        return [
            b.text
            for b in self.blocks
            if isinstance(b, Heading) and (level is None or b.level == level)
        ]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]
