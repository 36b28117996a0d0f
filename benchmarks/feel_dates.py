"""Benchmark: FEEL operations on ordinary dates and times (the hot path of temporal values).

Usage: python benchmarks/feel_dates.py [--count N] [--rounds R]

Each expression is compiled once and evaluated N times per round with ordinary values (years
1..9999, no nanoseconds); the figure is the median of the rounds, in evaluations per second.
Run it against two source trees (PYTHONPATH) to compare them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

from kontor.rules.feel import DaysTimeDuration, YearsMonthsDuration, compile_expression

ZONE = timezone(timedelta(hours=2))
SCOPE: dict[str, Any] = {
    "d": date(2024, 2, 29),
    "e": date(2025, 7, 1),
    "t": datetime(2024, 2, 29, 10, 30, tzinfo=ZONE),
    "u": datetime(2025, 7, 1, 8, 0, tzinfo=ZONE),
    "p": DaysTimeDuration(90061),
    "m": YearsMonthsDuration(14),
}
EXPRESSIONS = {
    "date < date": "d < e",
    "date = date": "d = e",
    "date + years and months": "d + m",
    "date and time + days and time": "t + p",
    "date and time - date and time": "u - t",
    "date property": "d.year",
    "date(text)": 'date("2024-02-29")',
    "date and time(text)": 'date and time("2024-02-29T10:30:00+02:00")',
    "string(date and time)": "string(t)",
    "years and months duration": "years and months duration(d, e)",
}


def measure(text: str, count: int) -> float:
    """Evaluations per second of one expression over `count` runs."""
    compiled = compile_expression(text, list(SCOPE))
    evaluate = compiled.evaluate
    started = time.perf_counter()
    for _ in range(count):
        evaluate(SCOPE)
    return count / (time.perf_counter() - started)


def main() -> None:
    """Print the median evaluations per second of each expression as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in EXPRESSIONS}
    for _ in range(arguments.rounds):
        for name, text in EXPRESSIONS.items():
            rates[name].append(measure(text, arguments.count))
    result = {name: round(statistics.median(values)) for name, values in rates.items()}
    print(json.dumps({"count": arguments.count, "rounds": arguments.rounds, "per_second": result}))


if __name__ == "__main__":
    main()
