"""The faces of an official document (GB/T 9704-2012) and what stands in for them here.

Each role lists font families in order of preference: the official face first
(小标宋 for the title, 黑体 for 一、 headings, 楷体 for (一) headings, 仿宋 for
the text, 宋体 for page numbers), then free faces that Debian ships
(fonts-noto-cjk, fonts-wqy-microhei). The Word file names the first family of
each list, the face the office's own computers have; the PDF and the charts are
drawn here, with the first family of the list that is installed on this server.
``MINPING_REPORT_FONTS`` (settings) may replace any role's list.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

from django.conf import settings

from minping.surveys.checks import FONT_HINT

SONG = ["宋体", "SimSun", "Noto Serif CJK SC", "WenQuanYi Micro Hei"]
HEI = ["黑体", "SimHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"]
ROLES: dict[str, list[str]] = {
    # 2号小标宋; where it is missing, a bold 黑体 face (the usual substitute).
    "title": [
        "方正小标宋简体",
        "方正小标宋_GBK",
        "FZXiaoBiaoSong-B05S",
        "FZXiaoBiaoSong-B05",
        *HEI,
    ],
    "heading": HEI,
    "kai": [
        "楷体_GB2312",
        "楷体",
        "KaiTi_GB2312",
        "KaiTi",
        "AR PL UKai CN",
        "Noto Serif CJK SC",
        "WenQuanYi Micro Hei",
    ],
    "body": [
        "仿宋_GB2312",
        "仿宋",
        "FangSong_GB2312",
        "FangSong",
        "Noto Serif CJK SC",
        "WenQuanYi Micro Hei",
    ],
    "page_number": SONG,
    # Charts read best in a plain sans face.
    "chart": HEI,
}
ROLE_LABELS = {
    "title": "标题",
    "heading": "一级标题",
    "kai": "二级标题",
    "body": "正文",
    "page_number": "页码",
    "chart": "图表",
}


class FontMissing(Exception):
    """No Chinese font is installed where one must be drawn; the message says what to do."""


def families(role: str) -> list[str]:
    """The role's families in order of preference (settings may replace the list)."""
    configured = getattr(settings, "MINPING_REPORT_FONTS", None) or {}
    return list(configured.get(role) or ROLES[role])


def word_font(role: str) -> str:
    """The family the Word file names: the first of the list, the office's own face."""
    return families(role)[0]


@functools.cache
def installed_families() -> frozenset[str]:
    """Every family name fontconfig knows for a Chinese font (all its localised names)."""
    if shutil.which("fc-list") is None:
        return frozenset()
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    names: set[str] = set()
    for line in listed.stdout.splitlines():
        names.update(name.strip() for name in line.split(",") if name.strip())
    return frozenset(names)


def drawn_font(role: str) -> str | None:
    """The family the PDF is set in for ``role`` here: the first of the list installed."""
    installed = installed_families()
    return next((name for name in families(role) if name in installed), None)


def css_family(role: str) -> str:
    """A CSS font-family list: WeasyPrint takes the first family it finds, like a browser."""
    quoted = ", ".join(f'"{name}"' for name in families(role))
    return f"{quoted}, serif"


@dataclass(frozen=True)
class FontUse:
    role: str
    label: str
    word: str
    drawn: str | None

    @property
    def substituted(self) -> bool:
        return self.drawn != self.word


def font_report() -> list[FontUse]:
    """For the report page and the docs: which face each role asks for, which is used here."""
    return [FontUse(role, ROLE_LABELS[role], word_font(role), drawn_font(role)) for role in ROLES]


@functools.cache
def _chart_font_file(preferred: tuple[str, ...]) -> str:
    from matplotlib import font_manager

    by_name: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        # Regular weight first: a bold file of the same family is only a last resort.
        if entry.name not in by_name or entry.weight in (400, "normal", "regular"):
            by_name[entry.name] = entry.fname
    for name in preferred:
        if name in by_name:
            return by_name[name]
    # Any font that covers Chinese, as fontconfig sees it, before giving up.
    for name in sorted(installed_families()):
        if name in by_name:
            return by_name[name]
    raise FontMissing(f"绘制图表需要中文字体,本机没有找到。{FONT_HINT}")


def chart_font_file() -> str:
    """The file of the chart face; :class:`FontMissing` when no Chinese font is installed."""
    return _chart_font_file(tuple(families("chart")))
