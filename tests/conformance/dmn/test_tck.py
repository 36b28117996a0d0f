"""DMN TCK conformance: every case keeps its recorded outcome, and the pass counts are exact.

`tck_expected_failures.txt` lists the cases known to fail. A case that starts passing fails this
test until it is removed from the list (and the count below raised); a case that starts failing
fails it as a regression. So every change of outcome is noticed, in either direction.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kontor.rules.dmn.tck import run_tck

SHARED = Path(__file__).parents[3].parent / "shared"
TCK = SHARED / "dmn-tck"
EXPECTED_FAILURES = Path(__file__).with_name("tck_expected_failures.txt")

# Exact pass counts; they only go up (with the list of expected failures shrinking alike).
PASSED = {"compliance-level-2": 116, "compliance-level-3": 3272}


def expected_failures(level: str) -> set[str]:
    """Test ids recorded as failing at `level`."""
    found = set()
    for line in EXPECTED_FAILURES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            folder, test_id = line.split(" ", 1)
            if folder == level:
                found.add(test_id)
    return found


@pytest.fixture(scope="module")
def tck() -> Path:
    if not TCK.is_dir():
        pytest.skip(f"DMN TCK not found at {TCK} (shared test data is not checked out)")
    return TCK


@pytest.mark.parametrize("level", list(PASSED))
def test_tck_level(tck: Path, level: str) -> None:
    report = run_tck(tck / level)
    failing = {case.test_id: case for case in report.not_passed()}
    expected = expected_failures(level)
    newly_failing = sorted(set(failing) - expected)
    fixed = sorted(expected - set(failing))
    assert not newly_failing, "regressions:\n" + "\n".join(
        f"{test_id}: {failing[test_id].status}: {failing[test_id].reason}"
        for test_id in newly_failing
    )
    assert not fixed, (
        "now passing, remove from tck_expected_failures.txt and raise PASSED:\n" + "\n".join(fixed)
    )
    assert report.passed == PASSED[level], f"{report.passed}/{report.total} passed"
    assert report.total == PASSED[level] + len(expected)
