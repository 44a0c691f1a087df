"""System checks of the surveys app: the survey key, and a Chinese font for the window sheets,
reports and report cards (PDF, charts)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

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


# The key of the HMACs that hide phone numbers, invitation holders and short codes.
SURVEY_KEY_MIN_LENGTH = 32
SURVEY_KEY_HINT = (
    "生成一个只用于此用途的随机密钥,例如 "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(48))',"
    "设为环境变量 MINPING_SURVEY_KEY,并与数据库及其备份分开保管(见 docs/collection.md)。"
)


def survey_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse to serve in production (settings.DEVELOPMENT off) without a survey key of its own.

    Whoever holds the key can hash every possible mobile number and identity and so name
    the phones and invitation holders in a copy of the database. Falling back to
    SECRET_KEY, which sits in the same settings and often in the same backups, would
    hand it over; a short key can be guessed. The demo and the tests set a key of
    their own; in development (MINPING_ENV=development) the fallback stays.
    """
    if settings.DEVELOPMENT:
        return []
    key = getattr(settings, "MINPING_SURVEY_KEY", "") or ""
    if not key:
        return [
            Error(
                "没有设置 MINPING_SURVEY_KEY(问卷密钥)。", hint=SURVEY_KEY_HINT, id="minping.E010"
            )
        ]
    if key == settings.SECRET_KEY:
        return [
            Error(
                "MINPING_SURVEY_KEY 不能与 SECRET_KEY 相同。",
                hint=SURVEY_KEY_HINT,
                id="minping.E011",
            )
        ]
    if len(key) < SURVEY_KEY_MIN_LENGTH or len(set(key)) < 10:
        return [
            Error(
                f"MINPING_SURVEY_KEY 太短或太简单(至少 {SURVEY_KEY_MIN_LENGTH} 个字符的随机串)。",
                hint=SURVEY_KEY_HINT,
                id="minping.E012",
            )
        ]
    return []
