"""A results package: everything needed to recompute a published ranking, and its hash.

Pure (no ORM, no I/O, no Django), so ``minping.verify`` can read a package on any
machine with Python. A package is one JSON document:

- ``definition``: the campaign's rules as the engine reads them (``CampaignDefinition``);
- ``tallies``: the unit tree and every unit's counts per method, indicator and
  level, the ballots per method, imported scores, case counts, and the accepted
  deductions and vetoes (their evidence is left out: it is not needed to recompute
  and may name people); the units that lost award eligibility;
- ``baseline``: last year's published composites, if the campaign compares with them;
- ``results``: the published results (the results JSON of DESIGN.md), and
  ``certainty``: their 95% intervals, where the snapshot has them;
- ``sha256``: the SHA-256 of all of the above, written canonically
  (keys sorted, no spaces, UTF-8).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from minping.campaigns.definition import CampaignDefinition
from minping.scoring.engine import (
    EXCELLENT,
    Baseline,
    Results,
    Tallies,
    round2,
)

FORMAT = "minping-results-package"
VERSION = 1


class PackageError(Exception):
    """A package that cannot be read; the message says why, in Chinese and English."""


# --- dataclasses to JSON and back ---------------------------------------------------


def to_data(value: Any) -> Any:
    """A frozen dataclass (and what it holds) as JSON values; Decimals as exact strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset):
        return sorted(to_data(v) for v in value)
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def from_data(kind: Any, data: Any, where: str) -> Any:
    """``data`` read back as ``kind`` (a type hint); PackageError naming ``where`` if it is not."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return from_data(inner, data, where)
    if origin in (tuple, frozenset):
        if not isinstance(data, list):
            raise _bad(where, "一个列表 / a list")
        items = [from_data(args[0], v, f"{where}[{i}]") for i, v in enumerate(data)]
        return tuple(items) if origin is tuple else frozenset(items)
    if origin in (Mapping, dict) or kind in (Mapping, dict):
        if not isinstance(data, dict):
            raise _bad(where, "一个对象 / an object")
        return {k: from_data(args[1], v, f"{where}.{k}") for k, v in data.items()}
    if dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise _bad(where, "一个对象 / an object")
        hints = typing.get_type_hints(kind)
        known = {f.name for f in dataclasses.fields(kind) if f.init}
        required = {
            f.name
            for f in dataclasses.fields(kind)
            if f.init
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        }
        if absent := sorted(required - set(data)):
            names = "、".join(absent)
            raise PackageError(
                f"结果包的 {where} 缺少 {names} / {where} has no {', '.join(absent)}"
            )
        make: Any = kind
        return make(
            **{
                name: from_data(hints[name], value, f"{where}.{name}")
                for name, value in data.items()
                if name in known
            }
        )
    if kind is Decimal:
        try:
            return Decimal(str(data))
        except InvalidOperation:
            raise _bad(where, "一个数 / a number") from None
    if kind is datetime.date:
        try:
            return datetime.date.fromisoformat(data)
        except (TypeError, ValueError):
            raise _bad(where, "一个日期 / a date") from None
    if kind in (int, str, bool) and not (
        isinstance(data, kind) and (kind is bool or not isinstance(data, bool))
    ):
        raise _bad(
            where,
            {int: "一个整数 / an integer", str: "文字 / text", bool: "是或否 / true or false"}[
                kind
            ],
        )
    return data


def _bad(where: str, wanted: str) -> PackageError:
    return PackageError(
        f"结果包的 {where} 应当是{wanted} / {where} should be {wanted.split(' / ')[1]}"
    )


# --- building and reading ------------------------------------------------------------


def inputs_json(results: Results) -> dict[str, Any]:
    """What ``results`` were computed from, as stored with a snapshot."""
    tallies = results.tallies or Tallies(units=())
    tallies = dataclasses.replace(
        tallies,
        deductions=tuple(
            dataclasses.replace(d, evidence="", pending="")
            for d in tallies.deductions
            if d.signed_off
        ),
        vetoes=tuple(dataclasses.replace(v, evidence="") for v in tallies.vetoes),
    )
    return {
        "definition": to_data(results.campaign),
        "tallies": to_data(tallies),
        "baseline": to_data(results.baseline) if results.baseline else None,
    }


def canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(package: Mapping[str, Any]) -> str:
    """The SHA-256 of everything in the package but its ``sha256``."""
    return hashlib.sha256(
        canonical({k: v for k, v in package.items() if k != "sha256"})
    ).hexdigest()


def build_package(
    inputs: Mapping[str, Any],
    results: Mapping[str, Any],
    certainty: Mapping[str, Any] | None,
    *,
    computed_at: str,
) -> dict[str, Any]:
    package: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "campaign": results.get("campaign"),
        "title": results.get("title"),
        "computed_at": computed_at,
        **inputs,
        "results": results,
        "certainty": certainty or None,
    }
    package["sha256"] = digest(package)
    return package


def read_inputs(package: Mapping[str, Any]) -> tuple[CampaignDefinition, Tallies, Baseline | None]:
    """The engine's input from a package; PackageError if it is not a results package."""
    if package.get("format") != FORMAT:
        raise PackageError("这不是民评的结果包 / this is not a minping results package")
    if package.get("version") != VERSION:
        raise PackageError(
            f"不认识的结果包版本 {package.get('version')!r} / unknown package version"
        )
    for key in ("definition", "tallies", "results"):
        if not isinstance(package.get(key), dict):
            raise PackageError(f"结果包缺少 {key} / the package has no {key}")
    definition = from_data(CampaignDefinition, package["definition"], "definition")
    tallies = from_data(Tallies, package["tallies"], "tallies")
    baseline = package.get("baseline")
    return definition, tallies, (from_data(Baseline, baseline, "baseline") if baseline else None)


# --- what is compared ------------------------------------------------------------------


def _n(x: Any) -> float | None:
    return None if x is None else float(round2(x))


def ranking(results: Results) -> dict[str, dict[str, Any]]:
    """Per unit, every published figure that decides or shows its place, rounded (S-5)."""
    out = {}
    for u in results.units:
        methods: dict[str, dict[str, Any] | None] = {}
        for code, f in u.methods.items():
            methods[code] = (
                None
                if f is None
                else {
                    "score": _n(f.score),
                    "ballots": f.ballots,
                    "satisfaction_rate": _n(f.satisfaction_rate),
                    "cases": f.cases,
                }
            )
        out[u.unit] = {
            "group": u.group,
            "rank": u.rank,
            "composite": _n(u.composite),
            "weighted": _n(u.weighted),
            "deductions": {k: _n(v) for k, v in u.deductions.items()},
            "vetoed": u.vetoed,
            "grade": u.grade,
            "eligible": u.eligible,
            "watchlist": list(u.watchlist),
            "method_ranks": dict(u.method_ranks),
            "change": _n(u.change),
            "methods": methods,
        }
    return out


def published_ranking(results: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The same figures read from a results JSON (DESIGN.md), to compare with ``ranking``."""
    out = {}
    for u in results.get("units", []):
        methods: dict[str, dict[str, Any] | None] = {}
        for code, m in u.get("methods", {}).items():
            if m is None or m.get("score") is None:
                methods[code] = None
                continue
            methods[code] = {
                "score": m.get("score"),
                "ballots": m.get("ballots"),
                "satisfaction_rate": m.get("satisfaction_rate"),
                "cases": m.get("cases"),
            }
        out[u["unit"]] = {
            "group": u.get("group"),
            "rank": u.get("rank"),
            "composite": u.get("composite"),
            "weighted": u.get("weighted"),
            "deductions": u.get("deductions", {}),
            "vetoed": u.get("vetoed"),
            "grade": u.get("grade"),
            "eligible": u.get("eligible", True),
            "watchlist": u.get("watchlist", []),
            "method_ranks": u.get("method_ranks", {}),
            "change": u.get("change"),
            "methods": methods,
        }
    return out


LABELS = {
    "group": ("组别", "group"),
    "rank": ("排名", "rank"),
    "composite": ("综合得分", "composite"),
    "weighted": ("加权得分", "weighted score"),
    "deductions": ("减分", "deductions"),
    "vetoed": ("一票否决", "veto"),
    "grade": ("等次", "grade"),
    "eligible": ("评优资格", "award eligibility"),
    "watchlist": ("重点跟踪", "watchlist"),
    "method_ranks": ("方法排名", "method ranks"),
    "change": ("同比变化", "change"),
    "methods": ("方法得分", "method figures"),
}


def differences(
    published: Mapping[str, dict[str, Any]], recomputed: Mapping[str, dict[str, Any]]
) -> list[str]:
    """Every published figure that the recomputation does not give, in both languages."""
    out = []
    for code in sorted(set(published) - set(recomputed)):
        out.append(
            f"单位 {code} 公布了结果,重算中没有 / unit {code} is published but not recomputed"
        )
    for code in sorted(set(recomputed) - set(published)):
        out.append(
            f"单位 {code} 重算有结果,公布中没有 / unit {code} is recomputed but not published"
        )
    for code in sorted(set(published) & set(recomputed)):
        for key, (zh, en) in LABELS.items():
            was, now = published[code].get(key), recomputed[code].get(key)
            if was != now:
                out.append(
                    f"单位 {code} 的{zh}:公布为 {_show(was)},重算为 {_show(now)}"
                    f" / unit {code}, {en}: published {_show(was)}, recomputed {_show(now)}"
                )
    return out


def _show(value: Any) -> str:
    if value is None:
        return "无"
    if value == EXCELLENT:
        return "优秀 (excellent)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
