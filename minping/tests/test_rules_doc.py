"""docs/rules.md cannot drift: its quotations are in the seeds and the code it names exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
SEEDS = ROOT / "docs" / "seeds"
RULE_NUMBERS = [f"R-{n:02d}" for n in range(1, 41)]

QUOTE = re.compile(r"^> \[(\d{3})\] (.+)$", re.MULTILINE)
REFERENCE = re.compile(r"`(minping/[\w/]+\.py)::([\w.:]+)`")
INDEX_ROW = re.compile(r"^\| (R-\d\d) \|(.*)$", re.MULTILINE)


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _seed(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


@cache
def _names(path: str) -> frozenset[str]:
    """Every top-level name in a module, and ``Class.member`` / ``Class::member`` for members."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}.{member.name}")
                    names.add(f"{node.name}::{member.name}")
    return frozenset(names)


def test_every_quotation_is_in_its_seed_word_for_word() -> None:
    quotes = QUOTE.findall(_text())
    assert len(quotes) >= 10
    for number, quote in quotes:
        assert quote.strip() in _seed(number), f"[{number}] does not say: {quote}"


def test_the_index_has_every_rule_once() -> None:
    rows = [number for number, _ in INDEX_ROW.findall(_text())]
    assert rows == RULE_NUMBERS


def test_every_named_file_class_function_and_test_exists() -> None:
    references = REFERENCE.findall(_text())
    assert len(references) >= 60
    for path, name in references:
        assert (ROOT / path).is_file(), f"{path} does not exist"
        assert name in _names(path), f"{path} has no {name}"


def test_a_rule_without_code_says_why() -> None:
    text = _text()
    not_built = text.split("## 尚未实现", 1)[1]
    for number, cells in INDEX_ROW.findall(text):
        if not REFERENCE.search(cells):
            assert f"**{number}**" in not_built, f"{number} names no code and no reason"


def test_a_rule_with_code_names_a_test_too() -> None:
    for number, cells in INDEX_ROW.findall(_text()):
        named = REFERENCE.findall(cells)
        if named:
            assert any("/tests/" in path for path, _ in named), f"{number} names no test"


@pytest.mark.parametrize("bad", ["minping/scoring/engine.py::no_such_rule"])
def test_the_check_catches_a_name_that_is_gone(bad: str) -> None:
    path, name = REFERENCE.findall(f"`{bad}`")[0]
    assert name not in _names(path)
