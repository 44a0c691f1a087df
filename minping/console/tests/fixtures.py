"""A small campaign definition the console and browser tests load through the pages."""

from __future__ import annotations

WALK_TOML = """\
code = "walk-2026"
title = "2026年机关作风民主评议"
year = 2026
groups = [{code = "agencies", title = "机关单位"}]
publish = false

[[indicators]]
code = "fuwu"
title = "服务态度"

[[methods]]
code = "leaders"
title = "领导评议"
weight = 100
input = "scores"

[deductions]
from = 2026-01-01
to = 2026-11-30

[[deductions.sources]]
code = "media"
title = "市有关媒体"
cap = 5

[[deductions.rules]]
code = "no_interview"
title = "不配合采访"
source = "media"
points = 0.5

[[vetoes]]
code = "case_filed"
title = "工作人员被立案"

[[stages]]
code = "self_check"
title = "自查自纠"
starts = 2026-05-01
ends = 2026-08-31

[grading]
excellent = 1
unsatisfactory = 1
watchlist = 1
"""
