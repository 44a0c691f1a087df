"""Load every example into a fresh SQLite database and write its results, to compare two versions.

    python examples/results.py OUT_DIR                   # OUT_DIR/<code>.json for every example
    python examples/results.py OUT_DIR --all             # also <code>.breakdown.json and <code>.csv
    python examples/results.py OUT_DIR --compare REF_DIR # then compare byte for byte with REF_DIR

The loading order is the one examples/README.md gives (units, definition, then inputs),
in a fresh SQLite database that is thrown away afterwards; the outputs are
``minping results CODE --format json`` (with ``--all`` also ``--breakdown`` and CSV).
Run it before and after a change that must not move any result: every file must be
byte-identical (DESIGN.md's results JSON is a fixed contract). The JSON files are kept in
``minping/reports/tests/example_results/``, and ``test_demo`` compares the demo's results
with them; after a change that is meant to move a result, rewrite them with
``python examples/results.py minping/reports/tests/example_results`` and review the diff.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import tomllib
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
# The checkout this script is in, not whichever minping happens to be installed.
sys.path.insert(0, str(EXAMPLES.parent))
INPUT_KINDS = ["ballots", "scores", "deductions", "vetoes"]


def quiet() -> dict[str, io.StringIO]:
    """Where a command's output goes: its notes are about the example data, which is fixed."""
    return {"stdout": io.StringIO(), "stderr": io.StringIO()}


def campaign_code(folder: Path) -> str:
    with open(folder / "campaign.toml", "rb") as f:
        code = tomllib.load(f)["code"]
    assert isinstance(code, str)
    return code


def load_all() -> list[str]:
    """Load every example as the README says; return the campaign codes.

    Every unit tree first: units are global, and xzfw-2013 rates xzfw-2014's windows.
    """
    from django.core.management import call_command

    codes = []
    folders = sorted(p.parent for p in EXAMPLES.glob("*/campaign.toml"))
    for folder in folders:
        if (folder / "units.csv").exists():
            call_command("import", "units", str(folder / "units.csv"), **quiet())
    for folder in folders:
        code = campaign_code(folder)
        call_command("load", str(folder / "campaign.toml"), **quiet())
        for kind in INPUT_KINDS:
            path = folder / f"{kind}.csv"
            if path.exists():
                call_command("import", kind, code, str(path), **quiet())
        codes.append(code)
    return codes


FORMATS: list[tuple[str, dict[str, object]]] = [
    (".json", {"format": "json"}),
    (".breakdown.json", {"format": "json", "breakdown": True}),
    (".csv", {"format": "csv"}),
]


def outputs(code: str, every_format: bool) -> dict[str, str]:
    from django.core.management import call_command

    found = {}
    for suffix, options in FORMATS if every_format else FORMATS[:1]:
        streams = quiet()
        call_command("results", code, allow_missing=True, **streams, **options)
        found[code + suffix] = streams["stdout"].getvalue()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--all", action="store_true", help="also the breakdown and CSV")
    parser.add_argument("--compare", type=Path, metavar="REF_DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        os.environ["MINPING_DATA_DIR"] = data
        os.environ["DATABASE_URL"] = f"sqlite:///{data}/examples.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        codes = load_all()
        args.out.mkdir(parents=True, exist_ok=True)
        written = {}
        for code in codes:
            for name, text in outputs(code, args.all).items():
                (args.out / name).write_text(text, encoding="utf-8")
                written[name] = text
    print(f"{len(written)} files written to {args.out}")
    if args.compare is None:
        return 0
    differ = [
        name
        for name, text in written.items()
        if not (args.compare / name).exists()
        or (args.compare / name).read_bytes() != text.encode("utf-8")
    ]
    suffixes = tuple(suffix for suffix, _ in (FORMATS if args.all else FORMATS[:1]))
    kept = {p.name for p in args.compare.iterdir() if p.name.endswith(suffixes)}
    if not args.all:
        kept = {name for name in kept if not name.endswith(".breakdown.json")}
    missing = sorted(kept - set(written))
    for name in differ:
        print(f"DIFFERENT: {name}")
    for name in missing:
        print(f"MISSING: {name}")
    print("byte-identical" if not differ and not missing else "NOT identical")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
