"""Results packages and the standalone verifier (``minping verify-results``, ``minping.verify``)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import TestCase

from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings

from minping.campaigns.definition import CASES, CaseFormulaDef, MethodDef
from minping.campaigns.models import Campaign
from minping.campaigns.participation import UnitDef
from minping.scoring.actions import do_compute_results, do_publish_results
from minping.scoring.engine import (
    Baseline,
    CaseCount,
    DeductionInput,
    ScoreInput,
    Tallies,
    VetoInput,
    compute,
)
from minping.scoring.export import results_json
from minping.scoring.models import ResultSnapshot
from minping.scoring.package import (
    build_package,
    inputs_json,
    published_ranking,
    ranking,
    read_inputs,
)
from minping.scoring.tests.builders import D, campaign, tallies, votes
from minping.scoring.tests.test_properties import Scenario, scenarios
from minping.test import BaseTestCase
from minping.verify import check

EXAMPLE = django_settings.BASE_DIR / "examples" / "xzfw-2014"
CHECKOUT = str(django_settings.BASE_DIR)


def load_example(folder: Path) -> Campaign:
    """As examples/README.md loads one: units, definition, then every input file."""
    quiet: dict[str, Any] = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("import", "units", str(folder / "units.csv"), **quiet)
    call_command("load", str(folder / "campaign.toml"), **quiet)
    code = folder.name
    for kind in ("ballots", "scores", "deductions", "vetoes"):
        if (folder / f"{kind}.csv").exists():
            call_command("import", kind, code, str(folder / f"{kind}.csv"), **quiet)
    return Campaign.objects.get(code=code)


def run_verifier(package: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m minping.verify`` in a clean environment: no Django settings, no database,
    and Django must not even be imported."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "package.json"
        path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
        code = (
            "import sys\n"
            "from minping.verify import main\n"
            "rc = main(sys.argv[1:])\n"
            "assert 'django' not in sys.modules, 'the verifier imported Django'\n"
            "sys.exit(rc)\n"
        )
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": CHECKOUT, "LANG": "C.UTF-8"}
        return subprocess.run(
            [sys.executable, "-c", code, str(path), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
            timeout=120,
        )


def rehash(package: dict[str, Any]) -> dict[str, Any]:
    """A forger's package: altered, then given the hash of what it now holds."""
    from minping.scoring.package import digest

    package["sha256"] = digest(package)
    return package


class PublishedExampleTestCase(BaseTestCase):
    """The district administrative service centre (xzfw-2014): ballots, imported scores,
    deductions and a veto, published to the public."""

    package: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        campaign = load_example(EXAMPLE)
        snapshot = do_compute_results(campaign)
        # Approved by the county's leading group (R-23; the steps are tested in test_approval).
        ResultSnapshot.objects.filter(pk=snapshot.pk).update(
            submitted_at=timezone.now(), approved_at=timezone.now()
        )
        snapshot = do_publish_results(snapshot)
        package = snapshot.package()
        assert package is not None
        cls.package = package

    def test_the_published_package_verifies_standalone(self) -> None:
        done = run_verifier(self.package)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        units = len(self.package["results"]["units"])
        self.assertIn(f"重算 {units} 个单位", done.stdout)
        self.assertIn(self.package["sha256"], done.stdout)

    def test_the_package_holds_what_it_promises(self) -> None:
        p = self.package
        self.assertEqual(p["campaign"], "xzfw-2014")
        self.assertTrue(p["tallies"]["answers"] and p["tallies"]["deductions"])
        self.assertTrue(p["tallies"]["vetoes"])
        self.assertTrue(all(d["signed_off"] for d in p["tallies"]["deductions"]))
        self.assertTrue(all(d["evidence"] == "" for d in p["tallies"]["deductions"]))
        self.assertTrue(p["certainty"]["units"])
        # The published results are the snapshot's, unchanged.
        self.assertEqual(p["results"]["units"][0]["rank"], 1)
        self.assertEqual(check(copy.deepcopy(p)), [])

    def test_the_publishing_is_logged_with_the_package_hash(self) -> None:
        from minping.audit.models import AuditEntry

        entry = AuditEntry.objects.filter(action="scoring.publish").latest("pk")
        self.assertEqual(entry.detail["package_sha256"], self.package["sha256"])

    def test_one_tally_altered(self) -> None:
        package = copy.deepcopy(self.package)
        answers = package["tallies"]["answers"]
        # 40 more 好 move a figure only where not every answer on that question was 好.
        mixed = {(a["method"], a["unit"], a["indicator"]) for a in answers if a["level"] != "好"}
        row = next(
            a
            for a in sorted(answers, key=lambda a: (a["unit"], a["method"], a["indicator"]))
            if a["level"] == "好" and (a["method"], a["unit"], a["indicator"]) in mixed
        )
        row["count"] += 40
        done = run_verifier(package)
        self.assertEqual(done.returncode, 1)
        self.assertIn("哈希值与内容不符", done.stdout)
        self.assertIn("SHA-256 does not match", done.stdout)
        # Re-hashed by the forger: the hash passes, the figures do not.
        done = run_verifier(rehash(package))
        self.assertEqual(done.returncode, 1)
        self.assertNotIn("哈希值", done.stdout)
        self.assertIn(f"单位 {row['unit']}", done.stdout)
        self.assertIn("重算为", done.stdout)
        self.assertIn("recomputed", done.stdout)

    def test_the_ranking_altered(self) -> None:
        package = copy.deepcopy(self.package)
        group = package["results"]["units"][0]["group"]
        first, second = [u for u in package["results"]["units"] if u["group"] == group][:2]
        first["rank"], second["rank"] = second["rank"], first["rank"]
        done = run_verifier(rehash(package))
        self.assertEqual(done.returncode, 1)
        self.assertIn(f"单位 {first['unit']} 的排名:公布为 2,重算为 1", done.stdout)
        self.assertIn(f"unit {second['unit']}, rank: published 1, recomputed 2", done.stdout)

    def test_not_a_package(self) -> None:
        done = run_verifier({"hello": 1})
        self.assertEqual(done.returncode, 2)
        self.assertIn("这不是民评的结果包", done.stderr)
        package = copy.deepcopy(self.package)
        package["tallies"]["answers"][0]["count"] = "many"
        done = run_verifier(rehash(package))
        self.assertEqual(done.returncode, 2)
        self.assertIn("tallies.answers[0].count", done.stderr)
        del package["tallies"]["answers"][0]["count"]
        done = run_verifier(rehash(package))
        self.assertEqual(done.returncode, 2)
        self.assertIn("结果包的 tallies.answers[0] 缺少 count", done.stderr)

    def test_the_minping_command(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "p.json"
            path.write_text(json.dumps(self.package, ensure_ascii=False), encoding="utf-8")
            env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": CHECKOUT}
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from minping.cli import main; main()",
                    "verify-results",
                    str(path),
                ],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp,
                timeout=120,
            )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("✓", done.stdout)


class RoundTripTest(TestCase):
    def test_every_kind_of_input_survives_the_package(self) -> None:
        cases = MethodDef("cases", "办件", D(20), CASES, cases=CaseFormulaDef(no_cases=D(90)))
        defn = campaign(
            methods=(
                MethodDef("survey", "问卷", D(50)),
                MethodDef("online", "网络", D(30), "scores"),
                cases,
            ),
            baseline="t-2017",
        )
        tree = (UnitDef("gaj", "公安局", None, "agencies"), UnitDef("w", "窗口", "gaj", None))
        voted = votes("survey", "w", "a", {"好": 3, "一般": 1})
        t = tallies(
            tree,
            voted,
            scores=[ScoreInput("online", "gaj", D("88.5"))],
            deductions=[DeductionInput(7, "gaj", "r", date(2018, 3, 1), 2, True, "某报", "")],
            vetoes=[VetoInput(3, "gaj", "v", date(2018, 4, 1), "立案")],
            cases=[CaseCount("w", 4, 3, 2, 2, 1, 1, 1, 1)],
        )
        t = Tallies(**{**t.__dict__, "ineligible": frozenset({"gaj"})})
        baseline = Baseline("t-2017", {"gaj": Decimal("80.25"), "x": None}, "已发布")
        results = compute(defn, t, baseline)
        data = json.loads(json.dumps(inputs_json(results)))
        package = {"format": "minping-results-package", "version": 1, **data, "results": {}}
        back_defn, back_tallies, back_baseline = read_inputs(package)
        self.assertEqual(back_defn, defn)
        self.assertEqual(back_tallies.answers, t.answers)
        self.assertEqual(back_tallies.cases, t.cases)
        self.assertEqual(back_tallies.ineligible, frozenset({"gaj"}))
        # Evidence is left out of a package; the figures do not depend on it.
        self.assertEqual(back_tallies.deductions[0].evidence, "")
        self.assertEqual(back_baseline, baseline)
        again = compute(back_defn, back_tallies, back_baseline)
        self.assertEqual(ranking(again), ranking(results))
        # What the verifier compares is what the results JSON publishes.
        self.assertEqual(published_ranking(results_json(results)), ranking(results))


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_any_campaign_recomputes_from_its_package(s: Scenario) -> None:
    """Generated campaigns (deductions, caps, vetoes, imported scores, ties): a package built
    from the results verifies, and recomputes to the same figures."""
    results = compute(s.defn, s.tallies)
    inputs = json.loads(json.dumps(inputs_json(results)))
    package = build_package(
        inputs, json.loads(json.dumps(results_json(results))), None, computed_at="2018-12-01"
    )
    assert check(package) == []
    definition, tallies, _ = read_inputs(package)
    assert ranking(compute(definition, tallies)) == ranking(results)
