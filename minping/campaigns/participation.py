"""Who takes part in a campaign (R-02, R-03, R-05): the one place that decides.

Pure: no ORM and no I/O, so that the scoring engine applies the very rules that
the importers, the collection pickers, the monitors and the portal apply.
``Campaign.participation()`` reads the stored unit tree into a
:class:`Participation`; ``Campaign.taking_part()`` lists the campaigns a unit is in.

The rules, for a campaign with its ``groups`` and its ``exclude`` list:

- *Excluded*: a unit that is, or lies under, a unit in ``exclude`` (R-05: a
  bank appraised elsewhere leaves with its windows; a container with everything
  in it). An excluded unit stays in the tree; nothing about it is taken.
- *Ranked*: a unit not excluded whose group is one of the campaign's groups
  (R-02); each group is ranked on its own.
- *Parts* of a unit: its children without a group, not excluded: the windows
  and stations whose mean is the unit's figure when it has none of its own
  (R-03, S-2), recursively.
- *Taking part*: a ranked unit and every part under it. Only these may be named
  by ballots, scores, deductions and vetoes, picked by respondents, or shown in
  the monitors; a window counts for the ranked unit above it. A unit without a
  group that is no part of a ranked unit (a service centre whose windows are
  ranked in their own group, or a unit in no group at all) does not take part
  itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class UnitDef:
    """A unit of the tree (R-01). ``group`` empty: not ranked itself (a part or a container)."""

    code: str
    name: str
    parent: str | None = None
    group: str | None = None


class UnitTree:
    """The unit tree by code: every unit, and the children of each.

    ``ids`` are the database ids by code when the tree was read from the database
    (the importers store rows by id); the rules themselves only use codes.
    """

    def __init__(self, units: Iterable[UnitDef], ids: Mapping[str, int] | None = None) -> None:
        self.units: dict[str, UnitDef] = {unit.code: unit for unit in units}
        self.ids: Mapping[str, int] = ids or {}
        children: dict[str, list[str]] = defaultdict(list)
        for unit in self.units.values():
            if unit.parent is not None:
                children[unit.parent].append(unit.code)
        self.children: dict[str, list[str]] = {
            code: sorted(kids) for code, kids in children.items()
        }

    def chain(self, code: str) -> list[UnitDef]:
        """The unit and the units above it, nearest first (a cycle in bad data ends it)."""
        out: list[UnitDef] = []
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen and current in self.units:
            seen.add(current)
            out.append(self.units[current])
            current = self.units[current].parent
        return out


class Participation:
    """Which units of ``tree`` a campaign ranks, which are parts of which, and which take part."""

    def __init__(
        self, tree: UnitTree | Iterable[UnitDef], groups: Sequence[str], exclude: Iterable[str]
    ) -> None:
        self.tree = tree if isinstance(tree, UnitTree) else UnitTree(tree)
        self.groups = tuple(groups)
        self.exclude = frozenset(exclude)
        self._counts_for: dict[str, str | None] = {}
        self._refusals: dict[str, str] = {}

    # --- the rules ----------------------------------------------------------------

    def counts_for(self, code: str) -> str | None:
        """The ranked unit whose figures data about ``code`` go into: the unit itself when
        it is ranked, the department above it when it is a part; None when it does not
        take part."""
        if code not in self._counts_for:
            self._counts_for[code], self._refusals[code] = self._place(code)
        return self._counts_for[code]

    def _place(self, code: str) -> tuple[str | None, str]:
        chain = self.tree.chain(code)
        if not chain:
            return None, f"没有代码为“{code}”的评议对象(可用 minping import units 导入)"
        for unit in chain:
            if unit.code in self.exclude:
                above = "" if unit.code == code else f"(其上级“{unit.code}”)"
                return None, f"评议对象“{code}”{above}不参加本次活动(exclude)"
        grouped = next((unit for unit in chain if unit.group is not None), None)
        if grouped is None:
            if self._has_ranked_below(code):
                return None, (
                    f"评议对象“{code}”没有排名组别,本身不参加排名(其下属单位在各自的组别中排名),"
                    "请记在具体的下属单位上"
                )
            return None, (
                f"评议对象“{code}”没有排名组别,也不是参评单位的下属窗口或站所,不参加本次活动"
            )
        if grouped.group not in self.groups:
            known = "、".join(sorted(self.groups)) or "无"
            return None, (
                f"评议对象“{code}”属于组别“{grouped.group}”,不在本次活动的参评组别({known})之中"
            )
        return grouped.code, ""

    def _has_ranked_below(self, code: str) -> bool:
        """Whether a unit below ``code`` is ranked (a container's windows, R-01)."""
        stack = list(self.tree.children.get(code, ()))
        seen: set[str] = set()
        while stack:
            child = stack.pop()
            if child in seen:
                continue
            seen.add(child)
            if self.tree.units[child].group is not None and self.counts_for(child) == child:
                return True
            stack.extend(self.tree.children.get(child, ()))
        return False

    def takes_part(self, code: str) -> bool:
        """Whether ballots, scores, deductions or vetoes may name ``code`` (see the module)."""
        return self.counts_for(code) is not None

    def is_ranked(self, code: str) -> bool:
        return self.counts_for(code) == code

    def refusal(self, code: str) -> str:
        """Why data about ``code`` cannot be taken for this campaign; empty when it can."""
        self.counts_for(code)
        return self._refusals[code]

    def parts(self, code: str) -> list[str]:
        """The parts of a unit taking part (R-03, S-2): its children without a group that
        are not excluded. A unit that takes no part has none."""
        if not self.takes_part(code):
            return []
        return [
            child
            for child in self.tree.children.get(code, ())
            if self.tree.units[child].group is None and child not in self.exclude
        ]

    # --- whole lists ---------------------------------------------------------------

    @property
    def ranked(self) -> list[UnitDef]:
        """The ranked units, by the campaign's order of groups, then by code."""
        order = {group: i for i, group in enumerate(self.groups)}
        units = [unit for unit in self.tree.units.values() if self.is_ranked(unit.code)]
        return sorted(units, key=lambda unit: (order[unit.group or ""], unit.code))

    def taking_part(self) -> list[UnitDef]:
        """Every unit that takes part, ranked or a part, by code."""
        return [self.tree.units[code] for code in sorted(self.tree.units) if self.takes_part(code)]

    def every_part(self) -> list[UnitDef]:
        """Every part under a ranked unit, however deep (windows, stations), by code."""
        return [unit for unit in self.taking_part() if not self.is_ranked(unit.code)]

    # --- with database ids ------------------------------------------------------------

    def resolve(self, code: str) -> int:
        """The database id of a unit that takes part; ValueError saying why not otherwise."""
        if why := self.refusal(code):
            raise ValueError(why)
        return self.tree.ids[code]

    def ids(self, units: Iterable[UnitDef]) -> list[int]:
        return [self.tree.ids[unit.code] for unit in units]
