"""Run every benchmark: `python -m tests.bench [-k SUBSTRING] [--json PATH]`; prints a table, writes JSON."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.bench.harness import Result

HERE = Path(__file__).parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("-k", default="", help="run only benchmarks whose name contains this")
    parser.add_argument("--json", default=str(HERE / "results" / "latest.json"), help="where to write results")
    args = parser.parse_args()

    results: list[Result] = []
    failures: list[str] = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"tests.bench.{path.stem}")
        for name in sorted(n for n in dir(module) if n.startswith("bench_")):
            full = f"{path.stem}.{name}"
            if args.k not in full:
                continue
            try:
                outcome = getattr(module, name)()
            except Exception:  # a broken benchmark is reported, the others still run
                failures.append(f"{full}:\n{traceback.format_exc()}")
                continue
            results.extend(outcome if isinstance(outcome, list) else [outcome])

    table = Table(title="atou benchmarks")
    for col in ("benchmark", "value", "unit", "target", "ok"):
        table.add_column(col, justify="right" if col in ("value", "target") else "left")
    for r in results:
        target = "" if r.target is None else f"{'≤' if r.better == 'lower' else '≥'} {r.target:g}"
        ok = {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[r.ok]
        table.add_row(r.name, f"{r.value:,.2f}", r.unit, target, ok)
    console = Console()
    console.print(table)
    for f in failures:
        console.print(f"[red]failed[/] {f}")

    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "results": [r.as_dict() for r in results],
                "failures": failures,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    console.print(f"wrote {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
