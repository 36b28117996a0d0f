"""Renders docs/conformance.md from TCK runs: `python -m kontor.rules.dmn.tck.conformance_doc`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kontor.rules.dmn.tck.report import TckReport
from kontor.rules.dmn.tck.runner import run_tck

# Known causes of failures by TCK folder (shown only while the folder has failing cases).
KNOWN_CAUSES = {
    "0068-feel-equality": "FEEL: two cases expect times/date-times that differ below a second "
    "to be equal ('resolution is to the second'), while other TCK cases keep nanoseconds; "
    "Kontor compares them exactly",
    "0070-feel-instance-of": "FEEL: `instance of` an item definition needs the model's types; "
    "the FEEL compile API has no hook for them yet",
    "0076-feel-external-java": "Java functions run for a fixed list of java.lang methods only; "
    "Java's double for cos(123) does not equal the expectation -0.88796890, which has 7 "
    "significant digits after its trailing zero and so is compared exactly",
    "0082-feel-coercion": "FEEL: typed parameters of FEEL function literals are not checked",
}

LEVELS = (
    ("Compliance level 2", "compliance-level-2"),
    ("Compliance level 3", "compliance-level-3"),
)


def render(tck_directory: Path) -> str:
    """Run levels 2 and 3 below `tck_directory` and return the Markdown document."""
    sections = []
    summary = []
    for title, folder in LEVELS:
        report = run_tck(tck_directory / folder)
        causes = _causes(report)
        percent = 100.0 * report.passed / report.total if report.total else 0.0
        summary.append(f"| {title} | {report.passed} | {report.total} | {percent:.1f} % |")
        sections.append(report.to_markdown(title))
        if causes:
            sections += [f"Causes ({title.lower()}):", "", *causes, ""]
    return "\n".join(
        [
            "# DMN conformance",
            "",
            "Results of `kontor.rules.dmn` on the DMN TCK (dmn-tck/tck test cases, DMN 1.5).",
            "Regenerate with:",
            "",
            "```",
            "python -m kontor.rules.dmn.tck.conformance_doc <dmn-tck dir> docs/conformance.md",
            "```",
            "",
            "A test case passes when every result node matches: numbers by decimal value",
            "(an expectation with 8 or more significant digits, the rounded rendering of an",
            "irrational result, also matches when the result rounds to it or differs by less",
            "than 1e-12 relatively), dates/times/durations by FEEL equality, lists and",
            "contexts deeply. Result nodes marked `errorResult` pass when the result is null.",
            "Models are imported leniently for the TCK: a FEEL text that does not parse makes",
            "only its own expression null (with an error message) instead of failing the model.",
            "",
            "| level | passed | cases | rate |",
            "|---|---|---|---|",
            *summary,
            "",
            *sections,
        ]
    )


def _causes(report: TckReport) -> list[str]:
    counts: dict[str, int] = {}
    for case in report.not_passed():
        folder = case.test_id.split("/", 1)[0]
        counts[folder] = counts.get(folder, 0) + 1
    return [
        f"- `{folder}` ({count}): {KNOWN_CAUSES.get(folder, 'see the reasons above')}"
        for folder, count in counts.items()
    ]


def main(argv: list[str] | None = None) -> int:
    """Command line: TCK directory and output file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tck_directory", type=Path)
    parser.add_argument("output", type=Path)
    arguments = parser.parse_args(argv)
    arguments.output.write_text(render(arguments.tck_directory), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
