"""Writing a campaign definition back as the TOML text ``minping load`` reads.

``definition_data`` turns a ``CampaignDefinition`` into the file's data (dicts,
lists, scalars as ``tomllib`` would return them) and ``toml_text`` writes such
data out, so the campaign editor edits plain data and saves it through exactly
the path a file takes: text → ``parse_definition`` → ``load_campaign``.

Driven by the dataclasses: a field is written under its own name, and left out
while it holds its default, so a key added to a ``*Def`` is written without a
change here. Only the top level, where the file nests what the dataclass keeps
flat (``[scale]``, ``[deductions]``), is spelled out.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from decimal import Decimal
from typing import Any

from minping.campaigns.definition import (
    DEFAULT_LEVELS,
    TOP_KEYS,
    CampaignDefinition,
    GroupDef,
    RuleDef,
)

# CampaignDefinition fields the file writes elsewhere than under their own name.
_NESTED = {"levels", "deductions_from", "deductions_to", "sources", "rules", "groups"}
# The parts in the order the file has them (a key added to the format goes there too).
_PART_ORDER = TOP_KEYS
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")


def definition_data(definition: CampaignDefinition) -> dict[str, Any]:
    """The definition as a definition file's data, in the order the file is written."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(definition):
        if f.name in _NESTED:
            if f.name == "groups":
                data["groups"] = [_group(g) for g in definition.groups]
            if f.name == "levels" and definition.levels != DEFAULT_LEVELS:
                data["scale"] = {
                    "levels": [
                        {"label": lv.label, "points": lv.points} for lv in definition.levels
                    ],
                    "satisfied": definition.satisfied,
                }
            if f.name == "deductions_from":
                deductions = _deductions(definition)
                if deductions:
                    data["deductions"] = deductions
            continue
        value = getattr(definition, f.name)
        if _is_default(f, value) and f.name not in ("exclude", "publish"):
            continue
        data[f.name] = _value(value)
    if not definition.composite:  # version 2: methods without weights
        data["methods"] = [_unweighted(m) for m in data["methods"]]
    # The parts in the order a reader goes through them; a new part goes last.
    order = {key: n for n, key in enumerate(_PART_ORDER)}
    return dict(sorted(data.items(), key=lambda item: order.get(item[0], len(order))))


def definition_text(definition: CampaignDefinition, *, comment: str = "") -> str:
    """The definition as a file's text; ``comment`` goes on top as ``#`` lines."""
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    return head + toml_text(definition_data(definition))


def _group(group: GroupDef) -> Any:
    """A bare code, or a table with what else the group says (title, version 2's quotas)."""
    data = _value(group)
    return data if set(data) != {"code"} else group.code


def _rule(rule: RuleDef) -> dict[str, Any]:
    """A rule as written: ``sources`` instead of ``source`` when several bodies propose it,
    and no ``points`` when they are set case by case (``max_points``, version 2)."""
    data: dict[str, Any] = _value(rule)
    if rule.sources:
        data.pop("source", None)
    if rule.max_points is not None:
        data.pop("points", None)
    return data


def _unweighted(method: dict[str, Any]) -> dict[str, Any]:
    """A method of a campaign without a composite: its weight (0) is not written."""
    return {key: value for key, value in method.items() if key != "weight"}


def _deductions(definition: CampaignDefinition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if definition.deductions_from is not None:
        out["from"] = definition.deductions_from
    if definition.deductions_to is not None:
        out["to"] = definition.deductions_to
    if definition.sources:
        out["sources"] = [_value(s) for s in definition.sources]
    if definition.rules:
        out["rules"] = [_rule(r) for r in definition.rules]
    return out


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def _value(value: Any) -> Any:
    """A dataclass as a table without its defaults, a tuple as an array, others as they are."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _value(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _is_default(f, getattr(value, f.name))
        }
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    return value


# --- writing TOML ---------------------------------------------------------------------


def toml_text(data: dict[str, Any]) -> str:
    """TOML for ``data``: tables as ``[a]``, arrays of tables as ``[[a]]``, and inside
    an array's entries nested tables written inline, as the contract's examples are."""
    lines: list[str] = []
    _table(data, (), lines)
    return "\n".join(lines).strip("\n") + "\n"


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(data: dict[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    # Plain keys first: after a header, keys belong to that header's table.
    for key, value in data.items():
        if _plain(path, key, value):
            lines.append(f"{_key(key)} = {_inline(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{_dotted((*path, key))}]"]
            _table(value, (*path, key), lines)
        elif not _plain(path, key, value) and _is_tables(value):
            for item in value:
                lines += ["", f"[[{_dotted((*path, key))}]]"]
                _entry(item, lines)


def _plain(path: tuple[str, ...], key: str, value: Any) -> bool:
    """Whether ``key = value`` is written on one line (groups always are: a short list)."""
    if value is None or isinstance(value, dict):
        return False
    return not _is_tables(value) or (path, key) == ((), "groups")


def _entry(item: dict[str, Any], lines: list[str]) -> None:
    for key, value in item.items():
        if value is not None and value != {}:
            lines.append(f"{_key(key)} = {_inline(value)}")


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, float):
        return _number(Decimal(str(value)))
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime.datetime):
        raise TypeError("a definition holds dates, not times")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items() if v is not None)
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, dict) for v in value):
            return "[\n" + "".join(f"  {_inline(v)},\n" for v in value) + "]"
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _number(value: Decimal) -> str:
    """25, not 25.0000; 0.1 as 0.1 (read back through str(), so it stays exact)."""
    if not value.is_finite():
        raise ValueError("a definition holds finite numbers only")
    text = format(value.normalize(), "f")
    return text


def _string(value: str) -> str:
    # JSON's escapes are TOML's, except that TOML wants DEL escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(key: str) -> str:
    return key if _BARE_KEY_RE.fullmatch(key) else _string(key)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(p) for p in path)
