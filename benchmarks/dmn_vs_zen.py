"""Benchmark: Kontor DMN vs zen-engine (Rust) on the 50-rule triage table, single-threaded.

Usage: python benchmarks/dmn_vs_zen.py [SHARED_BENCH_DIR] [--count N] [--rounds R]

zen-engine is timed every way it can be called (a static or a callable loader, `evaluate` on
the engine or on a decision object, a pre-serialised JSON context, `evaluate_batch`) and its
fastest way counts. The ways are scouted on a sample; then zen's leading ways (within a factor
of four of the best) and Kontor's two ways (`evaluate_decision` per call, `evaluate_many` in
bulk) run in interleaved rounds over all inputs, so that noise from other work on the machine
hits both engines alike. Every way's results are compared with Kontor's. The generator
(gen_table.py) runs in a temporary copy so that the shared folder stays untouched; its fixed
seed reproduces the same table and the same input records.
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
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from kontor.rules.dmn import evaluate_decision, evaluate_many, load_dmn

KEY = "triage.jdm.json"
Way = Callable[[list[dict[str, Any]]], list[Any]]


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


def zen_ways(jdm_text: str) -> dict[str, tuple[Way, Callable[[list[Any]], Any]]]:
    """Every way of calling zen-engine: (run over records, prepare records outside the timing)."""
    import zen

    content = json.loads(jdm_text)
    static = zen.ZenEngine({"loader": {"type": "static", "content": {KEY: content}}})
    dynamic = zen.ZenEngine({"loader": lambda key: jdm_text})
    static_decision = static.get_decision(KEY)
    dynamic_decision = dynamic.get_decision(KEY)
    created = static.create_decision(jdm_text)

    def as_is(records: list[Any]) -> Any:
        return records

    def serialised(records: list[Any]) -> Any:
        return [json.dumps(record) for record in records]

    def on(evaluate: Callable[[Any], Any]) -> Way:
        return lambda records: [evaluate(record)["result"] for record in records]

    def batch(records: list[Any]) -> list[Any]:
        answers = static.evaluate_batch([{"key": KEY, "context": record} for record in records])
        return [answer["data"]["result"] for answer in answers]

    return {
        "static loader, engine.evaluate": (on(lambda r: static.evaluate(KEY, r)), as_is),
        "static loader, engine.evaluate, JSON text context": (
            on(lambda r: static.evaluate(KEY, r)),
            serialised,
        ),
        "static loader, decision.evaluate": (on(static_decision.evaluate), as_is),
        "callable loader, engine.evaluate": (on(lambda r: dynamic.evaluate(KEY, r)), as_is),
        "callable loader, decision.evaluate": (on(dynamic_decision.evaluate), as_is),
        "create_decision, decision.evaluate": (on(created.evaluate), as_is),
        "static loader, engine.evaluate_batch": (batch, as_is),
    }


def timed(way: Way, records: list[Any]) -> tuple[float, list[Any]]:
    """Seconds one way takes over `records`, and its results."""
    started = time.perf_counter()
    results = way(records)
    return time.perf_counter() - started, results


def mismatches(kontor: list[Any], other: list[Any]) -> list[int]:
    """Positions where another way's results differ from Kontor's."""
    return [
        index
        for index, (mine, theirs) in enumerate(zip(kontor, other, strict=True))
        if plain(mine) != plain(theirs)
    ]


def interleaved(
    ways: dict[str, Way], prepared: dict[str, list[Any]], rounds: int
) -> tuple[dict[str, float], dict[str, list[Any]]]:
    """Median seconds of each way over `rounds`, the order rotating each round; last results."""
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    results: dict[str, list[Any]] = {}
    names = list(ways)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            spent, results[name] = timed(ways[name], prepared[name])
            seconds[name].append(spent)
    return {name: statistics.median(spent) for name, spent in seconds.items()}, results


def run(shared: Path, count: int, rounds: int, scout: int) -> dict[str, Any]:
    """Generate inputs, evaluate with both engines, compare, return the figures."""
    scratch, records = generate(shared)
    records = records[:count]
    dmn_path = scratch / "triage.dmn"
    jdm_text = (scratch / "triage.jdm.json").read_text()

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
    shutil.rmtree(scratch, ignore_errors=True)

    kontor: dict[str, Way] = {
        "kontor evaluate_decision": lambda rs: [
            evaluate_decision(model, "triage", record).value for record in rs
        ],
        "kontor evaluate_many": lambda rs: [
            result.value for result in evaluate_many(model, "triage", rs)
        ],
    }
    reference = kontor["kontor evaluate_decision"](records)

    # scouting: every zen way on a sample, interleaved, results checked
    zen = zen_ways(jdm_text)
    sample = records[:scout]
    scout_seconds, scout_results = interleaved(
        {name: way for name, (way, _) in zen.items()},
        {name: prepare(sample) for name, (_, prepare) in zen.items()},
        3,
    )
    zen_rates = {name: len(sample) / spent for name, spent in scout_seconds.items()}
    zen_mismatches = {
        name: len(mismatches(reference[: len(sample)], results))
        for name, results in scout_results.items()
    }
    # the contest: Kontor's ways and zen's leading ways over all inputs, interleaved
    leading = [name for name, rate in zen_rates.items() if rate >= max(zen_rates.values()) / 4]
    contest = {**kontor} | {f"zen {name}": zen[name][0] for name in leading}
    prepared = dict.fromkeys(kontor, records) | {
        f"zen {name}": zen[name][1](records) for name in leading
    }
    seconds, results = interleaved(contest, prepared, rounds)
    rates = {name: len(records) / spent for name, spent in seconds.items()}
    different = {name: mismatches(reference, result) for name, result in results.items()}
    fastest = max(leading, key=lambda name: rates[f"zen {name}"])
    zen_rate = rates[f"zen {fastest}"]
    first = next((positions[0] for positions in different.values() if positions), None)
    return {
        "evaluations": len(records),
        "rounds": rounds,
        "zen_ways_scouted_per_s": {name: round(rate) for name, rate in zen_rates.items()},
        "zen_contest_per_s": {name: round(rates[f"zen {name}"]) for name in leading},
        "zen_fastest_way": fastest,
        "zen_evaluations_per_s": round(zen_rate),
        "kontor_evaluations_per_s": round(rates["kontor evaluate_decision"]),
        "kontor_evaluate_many_per_s": round(rates["kontor evaluate_many"]),
        "ratio": round(rates["kontor evaluate_decision"] / zen_rate, 2),
        "ratio_evaluate_many": round(rates["kontor evaluate_many"] / zen_rate, 2),
        "kontor_compile_ms": round(compile_ms, 2),
        "kontor_compile_ms_warm_median": round(statistics.median(warm_runs), 2),
        "identical_results": not any(different.values()) and not any(zen_mismatches.values()),
        "mismatches": {name: len(positions) for name, positions in different.items()}
        | {f"zen {name} (sample)": count for name, count in zen_mismatches.items()},
        "first_mismatch": (
            None
            if first is None
            else {
                "input": records[first],
                **{name: plain(result[first]) for name, result in results.items()},
            }
        ),
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared", nargs="?", default="../shared/bench/dmn", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scout", type=int, default=1_000, help="sample size per zen way")
    arguments = parser.parse_args()
    figures = run(arguments.shared, arguments.count, arguments.rounds, arguments.scout)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
