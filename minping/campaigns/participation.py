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

A version-2 definition (``docs/definition.md``) may say more, per method and per group;
a version-1 one says none of it, and these rules then change nothing:

- *How a department with parts is rated on a ballot method* (``parts``): ``"mean"``
  (R-03: the mean of its parts; ballots naming the department itself are refused, and
  a department without parts is rated directly), ``"own"`` (rated directly; its parts
  are not rated on that method). Without it (version 1) the department's own ballots,
  when it has any, replace the mean of its parts.
- *Which units a method covers* (``covers``, ``covers_attribute``): the units named and
  everything under them, every unit ranked in a group named (with its parts, or the parts
  a group with ``parts_of`` ranks), and the units carrying an attribute named (with
  everything under them); a unit outside is not rated on that method (the engine
  rescales the other weights). Empty: every unit taking part.
- *Parts ranked on their own* (a group with ``parts_of``): the parts of the units of
  that group are also ranked in this group, while still feeding their department's mean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minping.campaigns.definition import CampaignDefinition

MEAN = "mean"  # a department with parts is rated by their mean only
OWN = "own"  # a department is rated directly; its parts are not rated on the method


@dataclass(frozen=True)
class UnitDef:
    """A unit of the tree (R-01). ``group`` empty: not ranked itself (a part or a container)."""

    code: str
    name: str
    parent: str | None = None
    group: str | None = None
    # Its attributes (“进驻市民大厅”), which a version-2 method may cover by.
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MethodScope:
    """Whom one method rates (version 2): how departments with parts are rated
    (``parts``: ``"mean"``, ``"own"``, or "" for version 1's own-ballots-first), and
    the units it covers with everything under them (``covers``), the groups whose
    units it covers (``covers_groups``) and the attributes of the units it covers
    (``covers_attributes``); all empty: all."""

    parts: str = ""
    covers: frozenset[str] = frozenset()
    covers_groups: frozenset[str] = frozenset()
    covers_attributes: frozenset[str] = frozenset()

    @property
    def limited(self) -> bool:
        """Whether the method names whom it covers (else it covers every unit)."""
        return bool(self.covers or self.covers_groups or self.covers_attributes)


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
        self,
        tree: UnitTree | Iterable[UnitDef],
        groups: Sequence[str],
        exclude: Iterable[str],
        *,
        part_groups: Mapping[str, str] | None = None,
        methods: Mapping[str, MethodScope] | None = None,
    ) -> None:
        """``part_groups``: group code → the group whose units' parts it ranks (version 2);
        such a group is among ``groups`` too. ``methods``: method code → its scope."""
        self.tree = tree if isinstance(tree, UnitTree) else UnitTree(tree)
        self.part_groups = dict(part_groups or {})
        # A group of ranked parts holds no unit of the tree: its members are parts.
        self.groups = tuple(groups)
        self.exclude = frozenset(exclude)
        self.methods = dict(methods or {})
        self._method_refusals: dict[tuple[str, str], str] = {}
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
                return None, f"评议对象“{code}”{above}不参加本次活动(已被排除)"
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
        if grouped.group not in self.groups or grouped.group in self.part_groups:
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

    def part_group(self, code: str) -> str | None:
        """The group a part is also ranked in (version 2, ``parts_of``); None for no part
        or a part no group ranks."""
        owner = self.counts_for(code)
        if owner is None or owner == code:
            return None
        group = self.tree.units[owner].group
        return next((g for g, of in self.part_groups.items() if of == group), None)

    # --- per method (version 2) -------------------------------------------------------

    def scope(self, method: str) -> MethodScope:
        return self.methods.get(method, MethodScope())

    def covered(self, code: str, method: str) -> bool:
        """Whether ``method`` covers ``code``: it, or a unit above it, is named or carries
        an attribute named, or it is ranked in a group named or is a part of a unit that is
        (or nothing is named)."""
        scope = self.scope(method)
        if not scope.limited:
            return True
        if any(
            unit.code in scope.covers or unit.tags & scope.covers_attributes
            for unit in self.tree.chain(code)
        ):
            return True
        if not scope.covers_groups:
            return False
        owner = self.counts_for(code)
        if owner is not None and self.tree.units[owner].group in scope.covers_groups:
            return True
        return self.part_group(code) in scope.covers_groups

    def by_parts(self, code: str, method: str) -> bool:
        """Whether the unit's figure on a ballot method is the mean of its parts and never
        its own ballots (``parts = "mean"`` and it has parts)."""
        return self.scope(method).parts == MEAN and bool(self.parts(code))

    def rates(self, code: str, method: str) -> bool:
        """Whether ``method`` gives ``code`` a figure of its own or of its parts."""
        if not self.takes_part(code) or not self.covered(code, method):
            return False
        return not (self.scope(method).parts == OWN and not self.is_ranked(code))

    def method_refusal(self, code: str, method: str) -> str:
        """Why ballots on ``method`` may not name ``code``; empty when they may."""
        if not self.methods:
            return self.refusal(code)  # version 1: every method rates every unit taking part
        key = (code, method)
        if key not in self._method_refusals:
            self._method_refusals[key] = self._method_refusal(code, method)
        return self._method_refusals[key]

    def _method_refusal(self, code: str, method: str) -> str:
        if why := self.refusal(code):
            return why
        scope = self.scope(method)
        if not self.covered(code, method):
            return f"评议对象“{code}”不在评议方法“{method}”的评议范围内"
        if scope.parts == OWN and not self.is_ranked(code):
            above = self.counts_for(code)
            return f"评议方法“{method}”直接评议部门本身,不评其下属窗口或站所:请记在“{above}”上"
        if self.by_parts(code, method):
            names = "、".join(self.parts(code))
            return (
                f"评议方法“{method}”中,“{code}”的得分取其下属窗口/站所的平均,"
                f"不直接评议:请记在具体的下属单位上({names})"
            )
        return ""

    def resolve_for(self, code: str, method: str) -> int:
        """The database id of a unit ballots on ``method`` may name; ValueError otherwise."""
        if why := self.method_refusal(code, method):
            raise ValueError(why)
        return self.tree.ids[code]

    def pickable(self, method: str | None = None) -> list[UnitDef]:
        """What a respondent may rate on ``method``: the ranked units, a department rated by
        the mean of its parts replaced by those parts (R-03), each only where the method
        covers it. Without a method: the ranked units (version 1's pickers)."""
        ranked = [u for u in self.ranked if self.is_ranked(u.code)]
        if method is None:
            return ranked
        out: list[UnitDef] = []
        stack = [u.code for u in reversed(ranked)]
        while stack:
            code = stack.pop()
            if self.by_parts(code, method):
                stack.extend(reversed(self.parts(code)))
            elif not self.method_refusal(code, method):
                out.append(self.tree.units[code])
        return out

    # --- whole lists ---------------------------------------------------------------

    @property
    def ranked(self) -> list[UnitDef]:
        """The ranked units, by the campaign's order of groups, then by code; parts ranked on
        their own (version 2) carry the group they are ranked in."""
        order = {group: i for i, group in enumerate(self.groups)}
        units = [unit for unit in self.tree.units.values() if self.is_ranked(unit.code)]
        if self.part_groups:
            units += [
                replace(unit, group=group)
                for unit in self.tree.units.values()
                if (group := self.part_group(unit.code)) is not None
            ]
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


def method_scopes(
    methods: Iterable[tuple[str, str, Iterable[str], Iterable[str]]], groups: Iterable[str]
) -> dict[str, MethodScope]:
    """Each method's scope from its (code, ``parts``, ``covers``, ``covers_attribute``): a
    code in ``covers`` that is one of the campaign's ``groups`` names a group, any other
    names a unit. Methods that say none of it are left out (they rate everyone, as in
    version 1)."""
    group_codes = set(groups)
    scopes: dict[str, MethodScope] = {}
    for code, parts, covers, attributes in methods:
        named, marked = tuple(covers), frozenset(attributes)
        if parts or named or marked:
            scopes[code] = MethodScope(
                parts,
                frozenset(c for c in named if c not in group_codes),
                frozenset(c for c in named if c in group_codes),
                marked,
            )
    return scopes


def for_definition(
    tree: UnitTree | Iterable[UnitDef], definition: CampaignDefinition
) -> Participation:
    """Who takes part in the campaign ``definition`` describes, over ``tree``."""
    scopes = method_scopes(
        ((m.code, m.parts, m.covers, m.covers_attribute) for m in definition.methods),
        definition.group_codes,
    )
    return Participation(
        tree,
        definition.group_codes,
        definition.exclude,
        part_groups=definition.part_groups,
        methods=scopes,
    )
