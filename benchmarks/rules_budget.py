"""Benchmark: what FEEL's evaluation budgets cost Kontor's DMN evaluation (Kontor alone).

Usage: python benchmarks/rules_budget.py [SHARED_BENCH_DIR] [--count N] [--rounds R]

The 50-rule triage table of the DMN benchmark (its generator run in a scratch folder, so the
shared folder stays untouched; its fixed seed gives the same table and inputs) is evaluated
for N input records, R rounds each with the budgets on (as shipped) and off (``budget_switch``)
in turn. Prints JSON: each round's evaluations per wall and per CPU second, the medians and
their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from budget_switch import interleaved

from kontor.rules.dmn import Definitions, evaluate_decision, load_dmn


def triage(shared: Path) -> tuple[Definitions, list[dict[str, Any]]]:
    """The generated triage model and its input records."""
    scratch = Path(tempfile.mkdtemp(prefix="rules-budget-"))
    try:
        shutil.copy(shared / "gen_table.py", scratch / "gen_table.py")
        subprocess.run(
            [sys.executable, str(scratch / "gen_table.py")], check=True, capture_output=True,
            cwd=scratch,
        )  # fmt: skip
        records = json.loads((scratch / "inputs.json").read_text())
        return load_dmn(scratch / "triage.dmn"), records
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def rate(model: Definitions, records: list[dict[str, Any]]) -> dict[str, float]:
    """Evaluations of the triage decision over ``records`` per wall and per CPU second."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for record in records:
        evaluate_decision(model, "triage", record)
    return {
        "evaluations_per_s": len(records) / (time.perf_counter() - started),
        "evaluations_per_cpu_s": len(records) / (time.process_time() - cpu_started),
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared", nargs="?", default="../shared/bench/dmn", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    model, records = triage(arguments.shared)
    records = records[: arguments.count]
    rate(model, records[:200])  # warm up: built-ins load lazily, caches fill
    figures = {
        "benchmark": "DMN triage table (50 rules), budgets on (as shipped) vs off",
        "evaluations": len(records),
        "rounds": arguments.rounds,
        "cpu_count": os.cpu_count(),
        **interleaved(arguments.rounds, lambda: rate(model, records)),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
