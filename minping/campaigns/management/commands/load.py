"""``minping load FILE.toml [--force]``: create or update a campaign from its definition file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.campaigns.actions import LoadOutcome, describe_changes, load_campaign
from minping.campaigns.definition import CampaignDefinition, decode_definition, parse_definition
from minping.lib.commands import report_invalid_input

# Django's own options, said in Chinese so that the whole --help reads in one language.
_COMMON_HELP = {
    "help": "显示本帮助并退出",
    "version": "显示版本号并退出",
    "verbosity": "输出详细程度:0 最少,1 正常,2 详细,3 非常详细",
    "settings": "Django 设置模块的 Python 路径,如 minping.settings",
    "pythonpath": "加到 Python 搜索路径的目录",
    "traceback": "出错时显示完整的调用栈(供技术人员排查)",
    "no_color": "不使用彩色输出",
    "force_color": "总是使用彩色输出",
    "skip_checks": "跳过系统检查",
}


class Command(BaseCommand):
    help = (
        "从定义文件(TOML)创建或更新评议活动。按代码匹配:已有的就地更新,新增的创建,"
        "文件中删去的删除;已有答卷、得分或减分的不能删除。文件有误时列出每处错误及行号,"
        "不作任何改动。"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        for action in parser._actions:
            if action.dest in _COMMON_HELP:
                action.help = _COMMON_HELP[action.dest]
        for group in parser._action_groups:
            group.title = {"positional arguments": "参数", "options": "选项"}.get(
                group.title or "", group.title
            )
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.toml", help="评议活动定义文件")
        parser.add_argument(
            "--force",
            action="store_true",
            help="结果已发布时仍然改动评分规则;改动内容和“强制”字样记入审计日志",
        )

    def handle(self, *args: Any, file: str, force: bool, **options: Any) -> None:
        path = Path(file)
        if path.is_dir():
            raise CommandError(f"“{file}”是一个目录,请给出定义文件(.toml)的路径。")

        def run() -> tuple[CampaignDefinition, LoadOutcome]:
            text = decode_definition(path.read_bytes(), source=path.name)
            definition = parse_definition(text, source=path.name)
            return definition, load_campaign(definition, text, force=force)

        definition, outcome = report_invalid_input(self, run)
        for warning in outcome.warnings:
            self.stderr.write(warning)
        self.stdout.write(_summary(definition, outcome))


def _summary(definition: CampaignDefinition, outcome: LoadOutcome) -> str:
    name = f"{definition.code}({definition.title})"
    if outcome.unchanged:
        return f"评议活动 {name} 与定义文件一致,未作改动。"
    if outcome.created:
        counts = [
            (len(definition.indicators), "项评议内容"),
            (len(definition.methods), "种评议方法"),
            (len(definition.levels), "个评价等级"),
            (len(definition.sources), "个减分来源"),
            (len(definition.rules), "条减分规则"),
            (len(definition.vetoes), "条一票否决规则"),
            (len(definition.stages), "个阶段"),
            (len(definition.submissions), "项报送要求"),
        ]
        listed = "、".join(f"{n} {what}" for n, what in counts if n)
        if definition.approval is not None:
            listed += f";结果须经{definition.approval.title}审定"
        return f"已创建评议活动 {name}:{listed}。"
    lines = [f"已更新评议活动 {name}:"]
    lines += [f"  {line}" for line in describe_changes(outcome.changes)]
    if outcome.forced:
        lines.append("结果已发布,按 --force 强制改动了评分规则,已记入审计日志。")
    return "\n".join(lines)
