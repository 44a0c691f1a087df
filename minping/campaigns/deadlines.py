"""When a method's data are due (R-19: 各项测评数据结果于12月10日前报送), and how data that
arrive later are told.

Late data are taken, not refused: the plans set the deadline for the bodies that
report, and turning a late file away would only leave the unit without a figure.
Each ballot keeps its day and each imported score the day it was recorded, so the
collection monitor and the results page can say how much arrived late
(``scoring.late_data``), and an import after the deadline warns as it stores.
"""

from __future__ import annotations

import datetime


def day_text(day: datetime.date) -> str:
    """2018年12月10日: a date as a notice says it."""
    return f"{day.year}年{day.month}月{day.day}日"


def late_message(method: str, deadline: datetime.date, count: int, what: str) -> str:
    """``what``: "份答卷" or "个得分"."""
    return (
        f"“{method}”的数据应于 {day_text(deadline)} 前报送,有 {count:,} {what}晚于截止日期:"
        "已照常计入,收集进度和结果页上标明逾期"
    )
