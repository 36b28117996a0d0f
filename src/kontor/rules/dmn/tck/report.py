"""TCK results: per test case outcome, totals, JSON and Markdown renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASSED, FAILED, ERROR = "passed", "failed", "error"


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one TCK test case."""

    test_id: str  # "<folder>/<test file>:<case id>"
    status: str
    reason: str = ""


@dataclass
class TckReport:
    """All case outcomes of one TCK run."""

    cases: list[CaseResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Number of cases with this status."""
        return sum(1 for case in self.cases if case.status == status)

    @property
    def passed(self) -> int:
        """Number of passed cases."""
        return self.count(PASSED)

    @property
    def failed(self) -> int:
        """Number of failed cases."""
        return self.count(FAILED)

    @property
    def errors(self) -> int:
        """Number of cases that could not run (import errors, crashes)."""
        return self.count(ERROR)

    @property
    def total(self) -> int:
        """Number of cases."""
        return len(self.cases)

    def not_passed(self) -> list[CaseResult]:
        """Failed and erroneous cases, in run order."""
        return [case for case in self.cases if case.status != PASSED]

    def to_json(self) -> dict[str, Any]:
        """JSON-compatible summary with every case."""
        return {
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "cases": [
                {"id": case.test_id, "status": case.status, "reason": case.reason}
                for case in self.cases
            ],
        }

    def to_markdown(self, title: str) -> str:
        """Markdown section: totals and a table of the cases that did not pass."""
        percent = 100.0 * self.passed / self.total if self.total else 0.0
        lines = [
            f"## {title}",
            "",
            f"{self.passed} of {self.total} test cases pass ({percent:.1f} %); "
            f"{self.failed} fail, {self.errors} errors.",
            "",
        ]
        problems = self.not_passed()
        if problems:
            lines += ["| test | status | reason |", "|---|---|---|"]
            for case in problems:
                reason = case.reason.replace("|", "\\|").replace("\n", " ")
                lines.append(f"| `{case.test_id}` | {case.status} | {reason} |")
            lines.append("")
        return "\n".join(lines)
