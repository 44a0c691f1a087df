"""The wording of the report and the report cards: plain-text templates an office may replace.

Each section is a Django template under ``reports/analysis/`` (the analysis report)
or ``reports/card/`` (a unit's report card). An office that wants its own words
puts a file of the same name under the folder named by the setting
``MINPING_REPORT_TEMPLATES`` (e.g. ``/etc/minping/wording/reports/analysis/overall.txt``):
that folder is searched first, the shipped templates after it. docs/reports.md
lists every file and the figures each can use.

A rendered template is read line by line; blank lines are dropped:

- ``# 一、基本情况``: a first-level heading (黑体); ``## (一)…``: second level (楷体);
  ``### 1.…``: third level;
- ``[[table:NAME]]`` / ``[[chart:NAME]]``: the table or chart of that name, here;
- ``[[page]]``: a page break;
- any other line: one paragraph.

The text is not HTML: nothing is escaped on the way into Word, and the PDF
escapes it when it lays the page out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError

from minping.reports.document import Block, Chart, Heading, PageBreak, Paragraph, Table

MARKER = re.compile(r"^\[\[(table|chart):\s*([^\]\s]+)\s*\]\]$")
HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


class WordingError(Exception):
    """A wording template that cannot be used; the message says which and why, in Chinese."""


def search_path() -> list[Path]:
    """The office's folder first (when configured), then the shipped templates."""
    folders = [Path(settings.BASE_DIR) / "templates"]
    office = getattr(settings, "MINPING_REPORT_TEMPLATES", "")
    if office:
        folders.insert(0, Path(office))
    return folders


_engines: dict[tuple[Path, ...], Engine] = {}


def engine() -> Engine:
    """A template engine for wording only: plain text, so no HTML escaping."""
    folders = tuple(search_path())
    if folders not in _engines:
        _engines[folders] = Engine(
            dirs=[str(f) for f in folders],
            autoescape=False,
            # Read afresh each time: an office's edited file applies to the next report.
            loaders=["django.template.loaders.filesystem.Loader"],
            builtins=[
                "minping.reports.templatetags.report_text",
                "django.contrib.humanize.templatetags.humanize",
            ],
        )
    return _engines[folders]


def render(name: str, context: Mapping[str, Any]) -> str:
    """The text of one wording template, e.g. ``reports/analysis/overall.txt``."""
    try:
        template = engine().get_template(name)
        return template.render(Context(dict(context)))
    except TemplateDoesNotExist:
        raise WordingError(f"找不到报告措辞模板 {name}。") from None
    except TemplateSyntaxError as error:
        raise WordingError(f"报告措辞模板 {name} 有语法错误:{error}") from None


def blocks(
    name: str,
    context: Mapping[str, Any],
    tables: Mapping[str, Table],
    charts: Mapping[str, Chart],
) -> list[Block]:
    """One section: its template rendered and read into headings, paragraphs, tables, charts."""
    out: list[Block] = []
    for raw in render(name, context).splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "[[page]]":
            out.append(PageBreak())
            continue
        marker = MARKER.match(line)
        if marker:
            kind, key = marker.groups()
            found = (tables if kind == "table" else charts).get(key)
            if found is None:
                what = "表格" if kind == "table" else "图表"
                raise WordingError(f"报告措辞模板 {name} 引用了不存在的{what}“{key}”。")
            out.append(found)
            continue
        heading = HEADING.match(line)
        if heading:
            out.append(Heading(heading.group(2).strip(), len(heading.group(1))))
        else:
            out.append(Paragraph(line))
    return out
