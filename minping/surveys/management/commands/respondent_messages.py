"""minping respondent_messages: the English catalogue of the respondent pages, kept complete."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

APP = Path(__file__).resolve().parents[2]
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "surveys"
CATALOGUE = APP / "locale" / "en" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


def entries(po_text: str) -> dict[str, tuple[str, bool]]:
    """msgid → (msgstr, fuzzy) for every entry but the header."""
    found = {}
    for block in po_text.split("\n\n"):
        match = ENTRY.search(block + "\n")
        if match is None:
            continue
        msgid, msgstr = (
            "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', part)) for part in match.groups()
        )
        if msgid:
            flags = [line for line in block.splitlines() if line.startswith("#,")]
            found[msgid] = (msgstr, any("fuzzy" in line for line in flags))
    return found


def extract(locale: Path) -> None:
    """Run makemessages over the surveys app and its templates, merging into ``locale``.

    The app's code and the project's ``templates/surveys`` live apart; a tree of links
    puts them side by side, as makemessages wants one source tree with a ``locale``.
    """
    if shutil.which("xgettext") is None:
        raise CommandError("需要 GNU gettext(xgettext、msgmerge),例如 apt-get install gettext")
    with tempfile.TemporaryDirectory() as tree:
        root = Path(tree)
        (root / "surveys").symlink_to(APP)
        (root / "templates").symlink_to(TEMPLATES)
        (root / "locale").symlink_to(locale)
        subprocess.run(
            [
                *(sys.executable, "-m", "django", "makemessages", "-l", "en"),
                *("--symlinks", "--no-obsolete"),
                *("-i", "surveys/tests/*", "-i", "surveys/migrations/*"),
                *("-i", "surveys/locale/*", "-v", "0"),
                "--settings",
                str(settings.SETTINGS_MODULE),
            ],
            cwd=root,
            check=True,
        )


class Command(BaseCommand):
    help = "更新受访者页面的英文翻译目录(django.po)并编译;--check 只检查是否完整"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="不改文件:有新的、未翻译或待确认(fuzzy)的条目时报错",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            with tempfile.TemporaryDirectory() as copy:
                locale = Path(copy) / "locale"
                shutil.copytree(APP / "locale", locale)
                extract(locale)
                fresh = entries((locale / "en" / "LC_MESSAGES" / "django.po").read_text())
            committed = entries(CATALOGUE.read_text())
            problems = [f"新的文字,目录里没有:{m}" for m in fresh if m not in committed]
            problems += [f"目录里多余(代码已不用):{m}" for m in committed if m not in fresh]
            problems += [
                f"未翻译或待确认:{m}" for m, (text, fuzzy) in committed.items() if fuzzy or not text
            ]
            if problems:
                raise CommandError(
                    "英文翻译目录不完整,请运行 minping respondent_messages 后补全译文:\n"
                    + "\n".join(problems)
                )
            self.stdout.write(f"英文翻译目录完整:{len(committed)} 条")
            return
        extract(APP / "locale")
        subprocess.run(
            ["msgfmt", "--check-format", "-o", str(CATALOGUE.with_suffix(".mo")), str(CATALOGUE)],
            check=True,
        )
        catalogue = entries(CATALOGUE.read_text())
        missing = [m for m, (text, fuzzy) in catalogue.items() if fuzzy or not text]
        self.stdout.write(f"已更新 {CATALOGUE.relative_to(APP.parent.parent)}")
        if missing:
            self.stdout.write(f"还有 {len(missing)} 条需要翻译或确认(fuzzy)。")
