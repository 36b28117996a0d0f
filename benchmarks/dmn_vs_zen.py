"""Benchmark: Kontor DMN vs zen-engine (Rust) on the 50-rule triage table, single-threaded.

Usage: python benchmarks/dmn_vs_zen.py [SHARED_BENCH_DIR] [--count N]

The generator (gen_table.py) is run in a temporary copy so that the shared folder stays
untouched; its fixed seed reproduces the same table and the same input records.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from kontor.rules.dmn import evaluate_decision, load_dmn


def generate(shared: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Run the generator in a scratch folder; return that folder and its input records."""
    scratch = Path(tempfile.mkdtemp(prefix="dmn-bench-"))
    shutil.copy(shared / "gen_table.py", scratch / "gen_table.py")
    subprocess.run([sys.executable, str(scratch / "gen_table.py")], check=True, capture_output=True)
    records = json.loads((scratch / "inputs.json").read_text())
    return scratch, records


def plain(value: Any) -> Any:
    """Normalise results of both engines for comparison."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def run(shared: Path, count: int) -> dict[str, Any]:
    """Generate inputs, evaluate with both engines, compare, return the figures."""
    import zen

    scratch, records = generate(shared)
    records = records[:count]
    dmn_path = scratch / "triage.dmn"
    jdm_content = (scratch / "triage.jdm.json").read_text()

    # module imports (FEEL loads its built-in functions lazily) are not compile time
    importlib.import_module("kontor.rules.feel").compile_expression("abs(1)")
    started = time.perf_counter()
    model = load_dmn(dmn_path)
    compile_ms = (time.perf_counter() - started) * 1000
    warm_runs = []
    for _ in range(5):
        started = time.perf_counter()
        load_dmn(dmn_path)
        warm_runs.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    kontor_results = [evaluate_decision(model, "triage", record).value for record in records]
    kontor_seconds = time.perf_counter() - started

    engine = zen.ZenEngine({"loader": lambda key: jdm_content})
    decision = engine.get_decision("triage.jdm.json")
    started = time.perf_counter()
    zen_results = [decision.evaluate(record)["result"] for record in records]
    zen_seconds = time.perf_counter() - started

    mismatches = [
        index
        for index, (mine, theirs) in enumerate(zip(kontor_results, zen_results, strict=True))
        if plain(mine) != plain(theirs)
    ]
    shutil.rmtree(scratch, ignore_errors=True)
    kontor_rate = len(records) / kontor_seconds
    zen_rate = len(records) / zen_seconds
    return {
        "evaluations": len(records),
        "kontor_evaluations_per_s": round(kontor_rate),
        "zen_evaluations_per_s": round(zen_rate),
        "speedup": round(kontor_rate / zen_rate, 2),
        "kontor_compile_ms": round(compile_ms, 2),
        "kontor_compile_ms_warm_median": round(statistics.median(warm_runs), 2),
        "identical_results": not mismatches,
        "mismatches": len(mismatches),
        "first_mismatch": (
            None
            if not mismatches
            else {
                "input": records[mismatches[0]],
                "kontor": plain(kontor_results[mismatches[0]]),
                "zen": zen_results[mismatches[0]],
            }
        ),
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared", nargs="?", default="../shared/bench/dmn", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.shared, arguments.count), indent=2))


if __name__ == "__main__":
    main()
