"""Reading a units file (``code,name,parent,group[,tags]``) into a checked plan for the unit tree.

Unit files are small (hundreds or thousands of rows), so the whole file is
read before anything is checked: a parent may come after its child, and a
cycle can only be seen once every parent is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minping.lib.errors import ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import Column, Row, Table
from minping.orgs.models import Group, Unit

COLUMNS = (
    Column("code", ("代码", "单位代码", "编码")),
    Column("name", ("名称", "单位名称", "单位")),
    Column("parent", ("上级", "上级单位", "上级代码", "上级单位代码"), required=False),
    Column("group", ("组别", "排名组别", "分组"), required=False),
    Column("tags", ("属性", "单位属性", "标签"), required=False),
)

CODE_MAX = Unit._meta.get_field("code").max_length or 64
NAME_MAX = Unit._meta.get_field("name").max_length or 200
GROUP_CODE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
# The separators people type between a unit's attributes in one cell.
TAG_SEPARATORS = re.compile(r"[、,,;;|]")
TAG_MAX = 40
TAGS_MAX = 20


@dataclass(slots=True)
class UnitRow:
    """One unit as the file gives it, group resolved to a code."""

    line: int
    code: str
    name: str
    parent: str  # a unit code, or "" at the top
    group: str  # a group code, or "" for a unit not ranked itself
    # Its attributes; None when the file has no such column (the stored ones are kept).
    tags: tuple[str, ...] | None = None


@dataclass
class UnitPlan:
    """Every unit of the file, checked; groups the import will create."""

    units: dict[str, UnitRow]
    new_groups: list[str]


class UnitReader:
    """Reads and checks a units table against itself and the units already stored."""

    def __init__(self, table: Table, problems: ProblemCollector) -> None:
        self.table = table
        self.problems = problems
        self.stored_parents: dict[str, str] = {
            code: parent or "" for code, parent in Unit.objects.values_list("code", "parent__code")
        }
        self.groups: dict[str, str] = dict(Group.objects.values_list("code", "name"))
        names: dict[str, list[str]] = {}
        for code, name in self.groups.items():
            names.setdefault(name, []).append(code)
        # An office may write a group's name (机关单位) rather than its code.
        self.group_by_name = {name: codes[0] for name, codes in names.items() if len(codes) == 1}

    def read(self, progress: Progress | None = None) -> UnitPlan:
        units: dict[str, UnitRow] = {}
        new_groups: list[str] = []
        for row in self.table.rows(progress):
            unit = self.check(row, units)
            if unit is None:
                continue
            units[unit.code] = unit
            if unit.group and unit.group not in self.groups and unit.group not in new_groups:
                new_groups.append(unit.group)
        self.check_parents(units)
        self.check_cycles(units)
        return UnitPlan(units, new_groups)

    def check(self, row: Row, units: dict[str, UnitRow]) -> UnitRow | None:
        """One row's own cells; None (after reporting) when the unit cannot be placed."""
        code, name, parent = row["code"], row["name"], row["parent"]
        ok = True
        if not code:
            self.add("单位代码不能为空", row, "code")
            return None
        if len(code) > CODE_MAX or re.search(r"\s", code):
            self.add(f"单位代码“{code}”不能含空格,且不超过 {CODE_MAX} 个字符", row, "code")
            ok = False
        if code in units:
            self.add(f"单位代码“{code}”在第 {units[code].line} 行已出现", row, "code")
            return None
        if not name:
            self.add("单位名称不能为空", row, "name")
            ok = False
        elif len(name) > NAME_MAX:
            self.add(f"单位名称不能超过 {NAME_MAX} 个字", row, "name")
            ok = False
        if parent == code:
            self.add(f"单位“{code}”不能是自己的上级", row, "parent")
            ok = False
        group = self.group_code(row)
        if group is None:
            ok = False
        tags = self.tags(row) if self.table.has("tags") else None
        if tags is not None and any(len(t) > TAG_MAX for t in tags):
            self.add(f"每个属性不能超过 {TAG_MAX} 个字", row, "tags")
            ok = False
        if tags is not None and len(tags) > TAGS_MAX:
            self.add(f"一个单位最多 {TAGS_MAX} 个属性", row, "tags")
            ok = False
        return UnitRow(row.line, code, name, parent, group or "", tags) if ok else None

    @staticmethod
    def tags(row: Row) -> tuple[str, ...]:
        """The cell's attributes, in the order written, each once (“进驻市民大厅、窗口单位”)."""
        words = (w.strip() for w in TAG_SEPARATORS.split(row["tags"]))
        return tuple(dict.fromkeys(w for w in words if w))

    def group_code(self, row: Row) -> str | None:
        """The row's group as a code ("" for none); None after reporting a bad one."""
        text = row["group"]
        if not text or text in self.groups:
            return text
        if text in self.group_by_name:
            return self.group_by_name[text]
        if GROUP_CODE.match(text) and len(text) <= 64:
            return text  # a new group, named by its code until someone names it
        known = "、".join(f"{code}({name})" for code, name in self.groups.items()) or "无"
        self.add(
            f"没有组别“{text}”;新组别的代码只能用字母、数字、- 和 _。已有组别:{known}",
            row,
            "group",
        )
        return None

    def check_parents(self, units: dict[str, UnitRow]) -> None:
        for unit in units.values():
            if unit.parent and unit.parent not in units and unit.parent not in self.stored_parents:
                self.problems.add(
                    f"上级单位“{unit.parent}”在文件中和系统中都不存在",
                    unit.line,
                    self.table.header("parent"),
                )

    def check_cycles(self, units: dict[str, UnitRow]) -> None:
        """Report each cycle the tree would have once, at the line of its first unit in the file."""
        parents = dict(self.stored_parents)
        parents.update({code: unit.parent for code, unit in units.items()})
        done: set[str] = set()
        for start in units:
            path: list[str] = []
            on_path: set[str] = set()
            code = start
            while code and code not in done and code not in on_path:
                path.append(code)
                on_path.add(code)
                code = parents.get(code, "")
            if code in on_path:
                cycle = path[path.index(code) :]
                lines = [units[c].line for c in cycle if c in units]
                chain = " → ".join([*cycle, code])
                self.problems.add(
                    f"上下级形成循环:{chain}",
                    min(lines, default=None),
                    self.table.header("parent"),
                )
            done.update(path)

    def add(self, message: str, row: Row, name: str) -> None:
        self.problems.add(message, row.line, self.table.header(name))
