"""``minping results CAMPAIGN [--format json|csv|xlsx] [-o PATH]``: compute and output results.

Read-only by default: looking at results must not change anything. ``--save``
stores a snapshot through the audited action.

Units without a figure on a weighted method are never scored as zero: they are
listed on stderr, stay in the output with null figures and no rank, and the
command exits non-zero unless ``--allow-missing`` is given. The output is still
written, so the organiser can see what is there; a script that checks the exit
status cannot take incomplete results for final ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.campaigns.models import Campaign
from minping.scoring.engine import Results
from minping.scoring.export import csv_text, dumps, results_json, write_xlsx
from minping.scoring.tallies import load_results

FORMATS = ["json", "csv", "xlsx"]


class Command(BaseCommand):
    # The model checks guard what this command reads. The URL checks would import every view
    # (and with them openpyxl, python-docx, WeasyPrint, matplotlib, django-ninja) for a
    # command that serves no page: a third of its start-up (docs/performance.md). `minping
    # check` and every app server's start still run them all.
    requires_system_checks = [Tags.models]
    help = (
        "计算并输出评议结果(各单位方法得分、加权得分、减分、综合得分、排名、等次、重点跟踪对象)。"
        "默认以 JSON 输出到屏幕;不保存任何数据,除非加 --save。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="评议活动代码,如 yc-2018")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="输出格式:json(默认)、csv(带 BOM,Excel 可直接打开)或 xlsx;"
            "不指定时按 -o 文件的扩展名判断",
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="PATH",
            help="写入文件而不是屏幕;xlsx 未指定时写入当前目录的 results-活动代码.xlsx",
        )
        parser.add_argument(
            "--breakdown", action="store_true", help="JSON 中附带每个数字的计算明细"
        )
        parser.add_argument(
            "--intervals",
            action="store_true",
            help="JSON 中附带方法得分、满意率和综合得分的 95%% 区间及名次能否区分"
            "(见 docs/statistics.md);xlsx 总是带有这些列",
        )
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="有单位缺少数据(无答卷或无录入得分)时仍以零状态退出;缺少的单位不排名",
        )
        parser.add_argument(
            "--save", action="store_true", help="同时保存一份结果快照(记入审计日志)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = self._campaign(options["campaign"])
        output: str | None = options["output"]
        fmt = options["format"] or _format_from_path(output) or "json"
        results = load_results(campaign)
        self._report_missing(results)

        if fmt == "xlsx":
            path = Path(output or f"results-{campaign.code}.xlsx")
            self._write(path, lambda p: write_xlsx(results, str(p)))
        else:
            text = (
                csv_text(results)
                if fmt == "csv"
                else dumps(
                    results_json(
                        results, breakdown=options["breakdown"], intervals=options["intervals"]
                    )
                )
            )
            if output:
                self._write(Path(output), lambda p: _write_text(p, text))
            else:
                self.stdout.write(text, ending="")

        incomplete = not results.complete and not options["allow_missing"]
        if options["save"]:
            if incomplete:
                self.stderr.write("结果不完整,未保存快照(如确需保存,请加 --allow-missing)。")
            else:
                # Only here: the action brings the audit log and mail with it.
                from minping.scoring.actions import do_compute_results

                snapshot = do_compute_results(campaign, results=results)
                self.stderr.write(f"已保存结果快照 #{snapshot.pk}。")
        if incomplete and not any(m.blocks_composite for m in results.missing):
            raise CommandError(
                "样本量不足(见上),按定义文件的规定结果不完整;"
                "补齐答卷后重新计算,或加 --allow-missing 接受不完整的结果。"
            )
        if incomplete:
            units = len({m.unit for m in results.missing if m.blocks_composite})
            what = "未计算综合得分、" if results.campaign.composite else ""
            raise CommandError(
                f"{units} 个单位缺少数据,{what}未参加排名(见上)。"
                "补齐数据后重新计算,或加 --allow-missing 接受不完整的结果。"
            )

    def _campaign(self, code: str) -> Campaign:
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is not None:
            return campaign
        known = list(Campaign.objects.order_by("code").values_list("code", flat=True))
        listing = "已有的活动:" + "、".join(known) if known else "系统中还没有任何评议活动。"
        raise CommandError(f"找不到代码为“{code}”的评议活动。{listing}")

    def _report_missing(self, results: Results) -> None:
        if results.shortfalls:  # version 2: minimum samples not reached
            self.stderr.write(f"以下 {len(results.shortfalls)} 项样本量不足:")
            for s in results.shortfalls:
                self.stderr.write(f"  {s.message}")
        if not results.missing:
            return
        self.stderr.write(f"以下 {len(results.missing)} 项数据缺失(不按零分计算):")
        for m in results.missing:
            effect = (
                "不计算综合得分、不排名" if m.blocks_composite else "该方法权重为 0,只影响方法排名"
            )
            if not results.campaign.composite:  # version 2: no composite
                effect = "不排名" if m.blocks_composite else "只影响该方法的排名"
            self.stderr.write(f"  [{m.group}] {m.message}——{effect}")

    def _write(self, path: Path, write: Any) -> None:
        try:
            write(path)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}:{exc.strerror or exc}") from None
        self.stderr.write(f"已写入 {path}")


def _format_from_path(output: str | None) -> str | None:
    if output is None:
        return None
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _write_text(path: Path, text: str) -> None:
    # newline="" keeps the CSV's CRLF line ends as they are.
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(text)
