"""A system check: the window sheets, reports and report cards (PDF, charts) need a Chinese font."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.core.checks import CheckMessage, Warning

FONT_HINT = "请在服务器上安装中文字体,例如 apt-get install fonts-wqy-microhei,然后重启。"


def chinese_font(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when fontconfig knows no Chinese font: WeasyPrint would print blank glyphs.

    It does so silently (the PDF looks fine until someone reads the window's name),
    so the warning comes at start-up, from ``minping check`` and the demo server.
    """
    if shutil.which("fc-list") is None:
        families = ""
    else:
        try:
            listed = subprocess.run(
                ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            families = ""
        else:
            families = listed.stdout.strip()
    if families:
        return []
    return [
        Warning(
            "未找到中文字体:窗口评价单、分析报告和单位成绩单(PDF)上的中文会印成空白,报告中的图表无法绘制。",
            hint=FONT_HINT,
            id="minping.W001",
        )
    ]
