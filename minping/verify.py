"""Check a published ranking: ``python -m minping.verify PACKAGE`` (or ``minping verify-results``).

Standalone: no database and no Django settings, only the pure scoring engine. It
reads a results package (``scoring.package``), checks its SHA-256, recomputes every
unit's figures, rank and grade from the tallies and rules in it, and compares them
with the published ones (and the 95% intervals, when the package has them). Exit
status 0: everything matches; 1: something differs; 2: the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minping.scoring import engine
from minping.scoring.certainty import assess, certainty_json
from minping.scoring.package import (
    PackageError,
    differences,
    digest,
    published_ranking,
    ranking,
    read_inputs,
)

SHOWN = 20  # differences listed; the rest are counted


def check(package: dict[str, Any]) -> list[str]:
    """Every problem found in ``package``, in Chinese and English; empty when it verifies."""
    problems = []
    if package.get("sha256") != digest(package):
        problems.append(
            "结果包的哈希值与内容不符,包中的数据在生成后被改动过"
            " / the package's SHA-256 does not match its content: it was altered after it was made"
        )
    definition, tallies, baseline = read_inputs(package)
    results = engine.compute(definition, tallies, baseline)
    problems += differences(published_ranking(package["results"]), ranking(results))
    published_certainty = package.get("certainty")
    if published_certainty and certainty_json(assess(results)) != published_certainty:
        problems.append(
            "公布的 95% 区间与重算的不一致"
            " / the published 95% intervals differ from the recomputed ones"
        )
    return problems


def load(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackageError(f"无法打开 {path}:{exc.strerror or exc} / cannot open {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path} 不是 JSON 文件({exc})/ {path} is not a JSON file") from None
    if not isinstance(data, dict):
        raise PackageError("这不是民评的结果包 / this is not a minping results package")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="minping verify-results",
        description="用结果包中的计数和规则重算排名,核对是否与公布的一致(不需要数据库)。"
        " / Recompute a published ranking from its results package and say whether it matches.",
    )
    parser.add_argument("package", help="结果包文件 / the results package (JSON)")
    args = parser.parse_args(argv)
    try:
        package = load(args.package)
        problems = check(package)
    except PackageError as error:
        print(f"无法核对 / cannot verify: {error}", file=sys.stderr)
        return 2
    title = package.get("title") or package.get("campaign")
    units = len(package["results"].get("units", []))
    if problems:
        print(f"✗ {title}:结果包与公布的结果不一致 / the package does NOT verify")
        for line in problems[:SHOWN]:
            print(f"  - {line}")
        if len(problems) > SHOWN:
            print(f"  …… 另有 {len(problems) - SHOWN} 处不一致 / and {len(problems) - SHOWN} more")
        return 1
    print(
        f"✓ {title}:用结果包中的计数重算 {units} 个单位的得分、排名和等次,与公布的完全一致。"
        f"\n  / {units} units recomputed from the package's tallies: the published ranking matches."
        f"\n  SHA-256 {package['sha256']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
