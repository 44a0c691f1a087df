"""``minping import units FILE`` and ``minping import KIND CAMPAIGN FILE``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.campaigns.batches import KIND_NAMES, ImportSummary
from minping.campaigns.import_kinds import CAMPAIGN_ACTIONS
from minping.campaigns.models import Campaign
from minping.campaigns.unit_actions import do_import_units
from minping.lib.commands import report_invalid_input
from minping.lib.progress import for_terminal

DESCRIPTIONS = {
    "ballots": "每行一条答案,“答卷”相同的行是同一份答卷(须为同一方法、同一单位,每个指标至多一次)。"
    "答卷另行编号,不保存文件中的答卷编号;日期为导入当天,除非文件给出。",
    "scores": "每个方法和单位一个 0–100 的得分,最多 4 位小数;再次导入即更正,新旧得分记入审计日志。",
    "deductions": "“已签字”填 是/否;次数空着为 1;日期不在减分期间内的照样导入,但不计分并提示。",
    "vetoes": "每行一条一票否决。",
}

FORMATS = {
    "units": "code,name,parent,group(代码,名称,上级,组别)",
    "ballots": "ballot,method,unit,indicator,level(答卷,方法,单位,指标,等级),"
    "可选 category,date(类别,日期)",
    "scores": "method,unit,score(方法,单位,得分),得分 0–100",
    "deductions": "unit,rule,date,count,evidence,signed_off(单位,规则,日期,次数,依据,已签字);"
    "已签字为“是”表示已签字并经组织单位采纳,直接计分;“否”则待签字审核",
    "vetoes": "unit,rule,date,evidence(单位,规则,日期,依据)",
}

FILE_HELP = ".csv(UTF-8 或 GB18030)或 .xlsx(第一个工作表),第一行为标题行"
FORCE_HELP = "同一文件以前导入过也再导入一次(会重复计数,请确认确有必要)"


class Command(BaseCommand):
    help = (
        "导入数据文件,全部正确才导入,有错则逐行列出(行号同表格软件,标题行为第 1 行)且不作任何改动。"
        "minping import units FILE:单位树;"
        "minping import KIND CAMPAIGN FILE:KIND 为 ballots(答卷)、scores(得分)、"
        "deductions(减分)或 vetoes(一票否决)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(
            dest="kind", required=True, metavar="KIND", title="导入的内容(KIND)"
        )
        units = kinds.add_parser(
            "units",
            help=f"评议对象(单位树,不分活动):{FORMATS['units']}",
            description=f"导入或更新单位树:{FORMATS['units']}。已有的单位按代码更新,不删除任何单位。",
        )
        units.add_argument("file", metavar="FILE", help=FILE_HELP)
        units.add_argument("--force", action="store_true", help=FORCE_HELP)
        for kind in CAMPAIGN_ACTIONS:
            sub = kinds.add_parser(
                kind,
                help=f"{KIND_NAMES[kind]}:{FORMATS[kind]}",
                description=f"把{KIND_NAMES[kind]}导入评议活动:{FORMATS[kind]}。{DESCRIPTIONS[kind]}"
                "有任何错误时逐行列出,不作任何改动。",
            )
            sub.add_argument("campaign", metavar="CAMPAIGN", help="评议活动代码,如 yc-2018")
            sub.add_argument("file", metavar="FILE", help=FILE_HELP)
            sub.add_argument("--force", action="store_true", help=FORCE_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        path = Path(options["file"])
        progress = for_terminal(f"导入{KIND_NAMES[kind]}", getattr(self.stderr, "_out", sys.stderr))
        run: Callable[[], ImportSummary]
        if kind == "units":

            def run() -> ImportSummary:
                return do_import_units(path, progress=progress, force=options["force"])

        else:
            campaign = find_campaign(options["campaign"])
            action = CAMPAIGN_ACTIONS[kind]

            def run() -> ImportSummary:
                return action(campaign, path, progress=progress, force=options["force"])

        try:
            summary = report_invalid_input(self, run)
        finally:
            progress.finish()
        for warning in summary.warnings:
            self.stderr.write(warning)
        self.stdout.write(summary.text)


def find_campaign(code: str) -> Campaign:
    """The campaign with this code, or a CommandError listing the codes there are."""
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is not None:
        return campaign
    known = list(Campaign.objects.order_by("code").values_list("code", flat=True))
    if not known:
        raise CommandError(f"没有评议活动“{code}”:还没有任何活动,请先用 minping load 载入定义文件")
    raise CommandError(f"没有评议活动“{code}”。已有的活动:{'、'.join(known)}")
