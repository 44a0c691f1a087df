"""The example campaigns under examples/ are well-formed, and generate.py reproduces them.

These checks read the files directly (tomllib and csv); they do not use the loader or the
importers, so a broken example is told apart from a broken loader.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from minping.campaigns.categories import canonical_category

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CAMPAIGN_DIRS = sorted(p.parent for p in EXAMPLES.glob("*/campaign.toml"))
IDS = [p.name for p in CAMPAIGN_DIRS]

CAMPAIGN_CODE = re.compile(r"^[a-z0-9-]+$")
ITEM_CODE = re.compile(r"^[a-z0-9_-]+$")
DEFAULT_LABELS = ["好", "较好", "一般", "较差", "差"]
SIGNED = {"是", "否", "yes", "no"}
MAX_FILE_BYTES = 3 * 1024 * 1024

HEADERS = {
    "units.csv": ["code", "name", "parent", "group"],
    # A tree whose units carry attributes a version-2 method covers by (covers_attribute).
    "units.csv+tags": ["code", "name", "parent", "group", "tags"],
    "ballots.csv": ["ballot", "method", "unit", "indicator", "level"],
    # A version-2 example may say who answered each ballot (评议主体类别, R-18).
    "ballots.csv+category": ["ballot", "method", "unit", "indicator", "level", "category"],
    "scores.csv": ["method", "unit", "score"],
    "deductions.csv": ["unit", "rule", "date", "count", "evidence", "signed_off"],
    # A version-2 file with a rule several bodies propose names the proposer of each row.
    "deductions.csv+source": ["unit", "rule", "date", "count", "evidence", "signed_off", "source"],
    # A version-2 file with a rule whose points are set case by case gives each row its figure.
    "deductions.csv+points": ["unit", "rule", "date", "count", "evidence", "signed_off", "points"],
    "vetoes.csv": ["unit", "rule", "date", "evidence"],
}

pytestmark = pytest.mark.parametrize("example", CAMPAIGN_DIRS, ids=IDS)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, as the importers accept."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


@cache
def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(decode(path.read_bytes()), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@cache
def campaign(example: Path) -> dict:
    with open(example / "campaign.toml", "rb") as f:
        return tomllib.load(f)


@cache
def all_units() -> dict[str, dict[str, str]]:
    """Units are global: the union of every units.csv under examples/."""
    units: dict[str, dict[str, str]] = {}
    for path in sorted(EXAMPLES.glob("*/units.csv")):
        header, rows = read_rows(path)
        assert header in (HEADERS["units.csv"], HEADERS["units.csv+tags"]), path
        for line, row in enumerate(rows, 2):
            assert row["code"] not in units, f"{path}:{line}: unit {row['code']} defined twice"
            units[row["code"]] = row
    return units


def group_codes(c: dict) -> list[str]:
    return [g if isinstance(g, str) else g["code"] for g in c["groups"]]


def ranked_units(c: dict) -> list[str]:
    """Units ranked in the campaign: in one of its groups and not excluded."""
    groups = set(group_codes(c))
    exclude = set(c.get("exclude", []))
    return [code for code, u in all_units().items() if u["group"] in groups and code not in exclude]


def parts(unit: str) -> list[str]:
    """A unit's ungrouped descendants (its windows and stations), recursively."""
    found = []
    for code, u in all_units().items():
        if u["parent"] == unit and not u["group"]:
            found += [code, *parts(code)]
    return found


def scale_labels(c: dict) -> list[str]:
    levels = c.get("scale", {}).get("levels")
    return [lv["label"] for lv in levels] if levels else DEFAULT_LABELS


def methods(c: dict, kind: str) -> set[str]:
    return {m["code"] for m in c["methods"] if m.get("input", "ballots") == kind}


def respondent_rules(c: dict) -> dict[str, tuple[set[str], set[str]]]:
    """Per ballot method: the categories it counts only, and those it never counts."""
    return {
        m["code"]: (
            {canonical_category(x) for x in m.get("respondents", [])},
            {canonical_category(x) for x in m.get("exclude_respondents", [])},
        )
        for m in c["methods"]
    }


def input_rows(example: Path, name: str) -> list[dict[str, str]]:
    path = example / name
    if not path.exists():
        return []
    header, rows = read_rows(path)
    variants = (
        HEADERS[name],
        HEADERS.get(name + "+source"),
        HEADERS.get(name + "+points"),
        HEADERS.get(name + "+category"),
    )
    assert header in variants, f"{path}: header {header}"
    return rows


# ---------------------------------------------------------------------------
# The definition file


def test_definition_is_well_formed(example):
    c = campaign(example)
    assert CAMPAIGN_CODE.match(c["code"])
    assert c["code"] == example.name, "the directory is named after the campaign"
    assert isinstance(c["title"], str) and c["title"]
    assert isinstance(c["year"], int) and 2000 <= c["year"] <= 2100
    assert isinstance(c["publish"], bool)
    assert c["groups"]
    for group in c["groups"]:
        if not isinstance(group, str):
            # A version-2 group may give its own numbers (docs/definition.md).
            assert {"code", "title"} <= set(group) and group["title"]
            assert set(group) <= {"code", "title", "excellent", "unsatisfactory", "watchlist"}


def test_codes_are_valid_and_unique(example):
    c = campaign(example)
    tables = {
        "groups": group_codes(c),
        "indicators": [i["code"] for i in c["indicators"]],
        "methods": [m["code"] for m in c["methods"]],
        "stages": [s["code"] for s in c.get("stages", [])],
        "sources": [s["code"] for s in c.get("deductions", {}).get("sources", [])],
        "rules": [r["code"] for r in c.get("deductions", {}).get("rules", [])],
        "vetoes": [v["code"] for v in c.get("vetoes", [])],
    }
    for table, codes in tables.items():
        assert all(ITEM_CODE.match(code) for code in codes), (table, codes)
        duplicates = [code for code, n in Counter(codes).items() if n > 1]
        assert not duplicates, (table, duplicates)
    assert c["indicators"] and c["methods"]


def methods_of(c: dict, group: str) -> list[dict]:
    """The methods that apply to ``group`` (a version-2 method may name its groups)."""
    return [m for m in c["methods"] if group in m.get("groups", [group])]


def covers(method: dict, unit: str) -> bool:
    """Whether the method rates the unit (a version-2 method may list the units it covers,
    or name an attribute of theirs in the units file's tags column)."""
    if "covers" not in method and "covers_attribute" not in method:
        return True
    tags = set(filter(None, all_units()[unit].get("tags", "").split("、")))
    return unit in method.get("covers", []) or bool(tags & set(method.get("covers_attribute", [])))


def test_method_weights_sum_to_100(example):
    c = campaign(example)
    for group in group_codes(c):
        weights = [Decimal(str(m.get("weight", 0))) for m in methods_of(c, group)]
        assert sum(weights) == 100, group
    for m in c["methods"]:
        # A version-2 method recorded but not scored has weight 0, and only such a method.
        assert (m.get("weight", 0) > 0) != (m.get("scored") is False), m["code"]
        assert all(code in all_units() for code in m.get("covers", [])), m["code"]
    assert all(m.get("input", "ballots") in {"ballots", "scores"} for m in c["methods"])


def test_scale(example):
    c = campaign(example)
    scale = c.get("scale")
    if scale is None:
        return
    labels = [lv["label"] for lv in scale["levels"]]
    assert len(set(labels)) == len(labels)
    assert all(0 <= lv["points"] <= 100 for lv in scale["levels"])
    assert set(scale.get("satisfied", [])) <= set(labels)


def test_stages_and_deduction_window_are_dates(example):
    c = campaign(example)
    for stage in c.get("stages", []):
        assert isinstance(stage["starts"], date) and isinstance(stage["ends"], date), stage
        assert stage["starts"] <= stage["ends"], stage
        assert stage["title"]
    deductions = c.get("deductions")
    if deductions:
        assert isinstance(deductions["from"], date) and isinstance(deductions["to"], date)
        assert deductions["from"] <= deductions["to"]


def test_every_deduction_rule_has_a_known_source(example):
    c = campaign(example)
    deductions = c.get("deductions", {})
    sources = {s["code"] for s in deductions.get("sources", [])}
    for source in deductions.get("sources", []):
        assert source.get("cap", 1) > 0
    for rule in deductions.get("rules", []):
        assert set(rule.get("sources", [rule.get("source")])) <= sources, rule
        assert ("source" in rule) != ("sources" in rule), rule
        # A version-2 rule may set its points case by case, up to a maximum.
        assert ("points" in rule) != ("max_points" in rule), rule
        assert rule.get("points", rule.get("max_points")) > 0, rule
    if deductions.get("rules"):
        assert sources


def test_groups_exclusions_and_grading(example):
    c = campaign(example)
    units = all_units()
    for code in c.get("exclude", []):
        assert code in units, f"excluded unit {code} is not in the unit tree"
        assert units[code]["group"] in group_codes(c), f"{code} is not in the campaign anyway"
    for group in group_codes(c):
        assert any(u["group"] == group for u in units.values()), f"group {group} has no units"
    ranked = ranked_units(c)
    grading = c.get("grading", {})
    for key in ("excellent", "unsatisfactory", "watchlist"):
        n = grading.get(key, 0)
        assert isinstance(n, int) and 0 <= n < len(ranked), (key, n)


def test_groups_are_not_shared_between_examples(example):
    """Groups are global; two examples sharing one would rank each other's units together,
    unless one is the other's baseline: last year's campaign over the same units."""
    c = campaign(example)
    mine = set(group_codes(c))
    for other in CAMPAIGN_DIRS:
        o = campaign(other)
        if other != example and o.get("baseline") != c["code"] and c.get("baseline") != o["code"]:
            assert not mine & set(group_codes(o)), other.name


# ---------------------------------------------------------------------------
# The unit tree


def test_unit_tree(example):
    units = all_units()
    for code, u in units.items():
        assert re.match(r"^[a-z0-9_-]+$", code), code
        assert u["name"], code
        assert not u["parent"] or u["parent"] in units, f"{code}: unknown parent {u['parent']}"
        seen = {code}
        parent = u["parent"]
        while parent:
            assert parent not in seen, f"cycle at {code}"
            seen.add(parent)
            parent = units[parent]["parent"]


# ---------------------------------------------------------------------------
# Input files


def test_input_files_are_small_and_known(example):
    for path in example.iterdir():
        if path.suffix == ".csv":
            assert path.name in HEADERS, path
            assert path.stat().st_size < MAX_FILE_BYTES, path


def test_ballots(example):
    c = campaign(example)
    rows = input_rows(example, "ballots.csv")
    ballot_methods = methods(c, "ballots")
    indicators = {i["code"] for i in c["indicators"]}
    labels = set(scale_labels(c))
    in_campaign = set(ranked_units(c))
    for unit in list(in_campaign):
        in_campaign.update(parts(unit))
    # A version-2 import takes one ballot id over several units (one person's questionnaire).
    several = c.get("format", 1) >= 2
    owner: dict[str, tuple[str, str]] = {}
    answered: set[tuple[str, str, str]] = set()
    for line, row in enumerate(rows, 2):
        where = f"{example.name}/ballots.csv:{line}"
        assert row["method"] in ballot_methods, f"{where}: {row['method']} is not a ballot method"
        assert row["unit"] in in_campaign, f"{where}: {row['unit']} is not in the campaign"
        assert row["indicator"] in indicators, f"{where}: unknown indicator"
        assert row["level"] in labels, f"{where}: {row['level']} is not a scale label"
        key = (row["method"], "" if several else row["unit"])
        assert owner.setdefault(row["ballot"], key) == key, f"{where}: ballot changes method/unit"
        if "category" in row:  # the method's respondent rule (version 2, R-13) holds
            category = canonical_category(row["category"])
            assert category, f"{where}: a ballot without a respondent category"
            only, never = respondent_rules(c).get(row["method"], ((), ()))
            assert not only or category in only, f"{where}: {category} does not count here"
            assert category not in never, f"{where}: {category} never counts here"
        answer = (row["ballot"], row["unit"], row["indicator"])
        assert answer not in answered, f"{where}: answered twice"
        answered.add(answer)


def test_every_ranked_unit_is_rated_on_every_method(example):
    """Every method that rates a unit has its data, and a method that covers only some
    units has none for the others."""
    c = campaign(example)
    rows = input_rows(example, "ballots.csv")
    rated = {(r["method"], r["unit"]) for r in rows}
    scored = {(r["method"], r["unit"]) for r in input_rows(example, "scores.csv")}
    units = all_units()
    for unit in ranked_units(c):
        group_methods = methods_of(c, units[unit]["group"])
        applies = {m["code"] for m in group_methods if covers(m, unit)}
        for m in group_methods:
            if m["code"] not in applies:
                rows_of = rated | scored
                assert (m["code"], unit) not in rows_of, f"{unit} is not rated on {m['code']}"
        for method in methods(c, "ballots") & applies:
            own = (method, unit) in rated
            via_parts = any((method, p) in rated for p in parts(unit))
            assert own or via_parts, f"{unit} has no ballots on {method}"
        for method in methods(c, "scores") & applies:
            assert (method, unit) in scored, f"{unit} has no score on {method}"


def test_scores(example):
    c = campaign(example)
    score_methods = methods(c, "scores")
    units = all_units()
    seen = set()
    for line, row in enumerate(input_rows(example, "scores.csv"), 2):
        where = f"{example.name}/scores.csv:{line}"
        assert row["method"] in score_methods, f"{where}: {row['method']} is not a scores method"
        assert row["unit"] in units, f"{where}: unknown unit"
        assert 0 <= Decimal(row["score"]) <= 100, where
        assert (row["method"], row["unit"]) not in seen, f"{where}: scored twice"
        seen.add((row["method"], row["unit"]))


def test_deductions(example):
    c = campaign(example)
    rules = {r["code"] for r in c.get("deductions", {}).get("rules", [])}
    several = {
        r["code"]: r["sources"] for r in c.get("deductions", {}).get("rules", []) if "sources" in r
    }
    units = all_units()
    for line, row in enumerate(input_rows(example, "deductions.csv"), 2):
        where = f"{example.name}/deductions.csv:{line}"
        assert row["unit"] in units, f"{where}: unknown unit"
        assert row["rule"] in rules, f"{where}: unknown rule"
        date.fromisoformat(row["date"])
        assert int(row["count"] or 1) >= 1, where
        assert row["evidence"], where
        assert row["signed_off"] in SIGNED, where
        if row["rule"] in several:
            assert row["source"] in several[row["rule"]], f"{where}: no proposer of the rule"
        else:
            assert not row.get("source"), f"{where}: the rule has one source"


def test_vetoes(example):
    c = campaign(example)
    rules = {v["code"] for v in c.get("vetoes", [])}
    units = all_units()
    for line, row in enumerate(input_rows(example, "vetoes.csv"), 2):
        where = f"{example.name}/vetoes.csv:{line}"
        assert row["unit"] in units, f"{where}: unknown unit"
        assert row["rule"] in rules, f"{where}: unknown veto rule"
        date.fromisoformat(row["date"])
        assert row["evidence"], where


# ---------------------------------------------------------------------------
# What each example is for


def test_example_specifics(example):
    c = campaign(example)
    ballots = input_rows(example, "ballots.csv")
    questionnaires = defaultdict(set)
    for row in ballots:
        questionnaires[row["method"]].add(row["ballot"])

    if example.name == "zhifa-2014":
        # “测评问卷不少于500份”; departments with stations are surveyed through them (R-03).
        assert len(questionnaires["questionnaire"]) >= 500
        with_stations = [u for u in ranked_units(c) if parts(u)]
        assert with_stations
        direct = {r["unit"] for r in ballots if r["method"] == "questionnaire"}
        assert not direct & set(with_stations)
        assert c["publish"] is True

    elif example.name == "yc-2018":
        ranked = ranked_units(c)
        units = all_units()
        by_group = Counter(units[u]["group"] for u in ranked)
        assert by_group == {"yc-agencies": 82, "yc-industries": 7}
        assert c["exclude"] and c["publish"] is False
        assert [m["weight"] for m in c["methods"]] == [25, 25, 25, 25]
        assert c["deductions"]["from"] == date(2017, 12, 1)
        assert c["deductions"]["to"] == date(2018, 11, 30)
        media = next(s for s in c["deductions"]["sources"] if s["code"] == "media")
        assert media["cap"] == 5
        # One unit passes the media cap: 55 events of 0.1.
        rows = input_rows(example, "deductions.csv")
        points = {r["code"]: r["points"] for r in c["deductions"]["rules"]}
        sources = {r["code"]: r.get("source", "several") for r in c["deductions"]["rules"]}
        media_by_unit: Counter[str] = Counter()
        for r in rows:
            if sources[r["rule"]] == "media" and r["signed_off"] == "是":
                media_by_unit[r["unit"]] += int(r["count"])
        assert max(media_by_unit.values()) * Decimal(str(points["no_interview"])) > media["cap"]
        assert {r["signed_off"] for r in rows} == {"是", "否"}
        dates = [date.fromisoformat(r["date"]) for r in rows]
        assert any(d < c["deductions"]["from"] for d in dates)
        assert any(d > c["deductions"]["to"] for d in dates)
        assert c["grading"]["watchlist"] == 3
        # A version-2 file: every deduction comes off 网络及跟踪评议; one rule, three bodies.
        assert c["format"] == 2
        assert {r["method"] for r in c["deductions"]["rules"]} == {"online"}
        criticism = next(r for r in c["deductions"]["rules"] if r["code"] == "criticism")
        assert criticism["sources"] == ["jiwei", "gongwei", "xuncha"]
        assert {r["source"] for r in rows if r["rule"] == "criticism"} == set(criticism["sources"])
        # 政务服务中心测评 rates only the units stationed in the citizens' hall: those the
        # units file marks with the attribute it covers (covers_attribute).
        service_centre = next(m for m in c["methods"] if m["code"] == "service_centre")
        assert service_centre["covers_attribute"] == ["进驻市民大厅"]
        hall = {u for u in ranked if covers(service_centre, u)}
        assert len(hall) == 32
        assert hall < set(ranked)
        assert {r["unit"] for r in ballots if r["method"] == "service_centre"} == hall

    elif example.name in ("xzfw-2014", "xzfw-2013"):
        assert c["format"] == 2
        given = [(m["code"], m.get("weight", 0)) for m in c["methods"]]
        assert given == [("leading_group", 40), ("peer", 20), ("public", 40), ("self", 0)]
        # Two rounds of 100 people; one ballot id r<round>-<person> over the windows each rated.
        people = questionnaires["public"]
        assert {p.split("-")[0] for p in people} == {"r1", "r2"}
        assert len(people) == 200
        per_person = Counter(b for b, _ in {(r["ballot"], r["unit"]) for r in ballots})
        assert max(per_person.values()) > 1
        assert c["grading"]["excellent"] == 3 and c["grading"]["unsatisfactory"] == 3
        # 督查扣分: every row carries its own figure, at most the rule's maximum.
        rule = c["deductions"]["rules"][0]
        rows = input_rows(example, "deductions.csv")
        assert rows and all(0 < Decimal(r["points"]) <= rule["max_points"] for r in rows)
        assert {r["signed_off"] for r in rows} == {"是", "否"}
        if example.name == "xzfw-2014":
            assert len(c["vetoes"]) == 3 and input_rows(example, "vetoes.csv")
            assert c["baseline"] == "xzfw-2013"
            assert c["grading"]["baseline_bottom"] == 1 and c["grading"]["baseline_criticised"]
        else:
            # Last year's campaign over this year's windows: the same group, no unit tree.
            assert not (example / "units.csv").exists()
            assert c["groups"] == campaign(example.parent / "xzfw-2014")["groups"]

    elif example.name == "nt-2012":
        # One version-2 campaign: 30/20/25/25 only for the divisions, 6 先进处室 among the
        # divisions and 10 优质服务窗口 among the windows.
        assert c["format"] == 2
        weights = {m["code"]: m["weight"] for m in methods_of(c, "nt-divisions")}
        assert weights == {"daily": 30, "midyear": 20, "inquiry": 25, "survey": 25}
        windows = {m["code"]: m["weight"] for m in methods_of(c, "nt-windows")}
        assert windows == {"window_daily": 50, "service_users": 50}
        quotas = {g["code"]: g["excellent"] for g in c["groups"]}
        assert quotas == {"nt-divisions": 6, "nt-windows": 10}


def test_document_typo_is_rejected_by_toml(example):
    """yc-2018 keeps a copy with the document's 2018-11-31, which no TOML parser accepts."""
    typo = example / "campaign-with-document-typo.toml"
    if example.name != "yc-2018":
        assert not typo.exists()
        return
    text = typo.read_text(encoding="utf-8")
    assert "to = 2018-11-31" in text
    with pytest.raises(tomllib.TOMLDecodeError, match="line"):
        tomllib.loads(text)
    original = (example / "campaign.toml").read_text(encoding="utf-8")
    assert text.endswith(original.replace("to = 2018-11-30", "to = 2018-11-31"))
    # The README names the line `minping load` will point at; it moves when the file grows.
    line = text.splitlines().index("to = 2018-11-31") + 1
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert f"{line} 行" in readme, f"examples/README.md should name line {line}"


def test_encodings_are_as_documented(example):
    """examples/README.md says which files show the other encodings the importers accept."""
    units = example / "units.csv"
    if not units.exists():
        return
    data = units.read_bytes()
    if example.name == "xzfw-2014":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        data.decode("gb18030")
    elif example.name == "nt-2012":
        assert data.startswith(b"\xef\xbb\xbf")
    else:
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


# ---------------------------------------------------------------------------
# Reproducibility


@cache
def regenerated(out: Path) -> Path:
    subprocess.run(
        [sys.executable, str(EXAMPLES / "generate.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return regenerated(tmp_path_factory.mktemp("examples"))


def test_generate_reproduces_committed_files(example, generated):
    produced = {p.relative_to(generated) for p in (generated / example.name).rglob("*")}
    committed = {
        p.relative_to(EXAMPLES)
        for p in example.rglob("*")
        if p.suffix == ".csv" or p.name == "campaign-with-document-typo.toml"
    }
    assert produced == committed
    for rel in sorted(committed):
        assert (generated / rel).read_bytes() == (EXAMPLES / rel).read_bytes(), rel
