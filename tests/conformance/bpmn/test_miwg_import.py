"""The 21 BPMN MIWG reference models import without error; executability is as documented.

The expected verdicts below are the table in docs/bpmn-coverage.md; when runtime support
grows, update both together.
"""

from pathlib import Path

import pytest

from kontor.process.bpmn import Severity, parse_bpmn_file, validate, verdicts

SHARED = Path(__file__).parents[3].parent / "shared"
MIWG = SHARED / "bpmn" / "miwg-reference"

MODELS = [
    "A.1.0", "A.2.0", "A.2.1", "A.3.0", "A.4.0", "A.4.1", "B.1.0", "B.2.0",
    "C.1.0", "C.1.1", "C.2.0", "C.3.0", "C.4.0", "C.5.0", "C.6.0", "C.7.0",
    "C.8.0", "C.8.1", "C.9.0", "C.9.1", "C.9.2",
]  # fmt: skip

# Processes Kontor accepts for execution, per model (all others are rejected with reasons).
EXECUTABLE = {
    "C.1.0": {"bpmn-miwg-test-case-c.1.0"},
    "C.1.1": {"handle-invoice"},
    "C.8.1": {"VacationRequestProcess"},
    "C.9.0": {"customer_onboarding_en"},
    "C.9.1": {"requestDocument_en"},
    "C.9.2": {"ManualCheck"},
}

pytestmark = pytest.mark.skipif(
    not MIWG.is_dir(), reason=f"MIWG reference models not found at {MIWG} (shared/ absent)"
)


@pytest.mark.parametrize("model", MODELS)
def test_reference_model_imports(model):
    definitions = parse_bpmn_file(MIWG / f"{model}.bpmn")
    assert definitions.processes, f"{model} has no process"
    assert definitions.has_diagram
    total_nodes = sum(len(process.nodes) for process in definitions.processes.values())
    assert total_nodes > 0


@pytest.mark.parametrize("model", MODELS)
def test_reference_model_executability(model):
    definitions = parse_bpmn_file(MIWG / f"{model}.bpmn")
    results = verdicts(definitions)
    executable = {process_id for process_id, result in results.items() if result.executable}
    assert executable == EXECUTABLE.get(model, set())
    for result in results.values():
        assert result.executable or result.reasons


def test_executable_models_have_no_validation_errors():
    for model, process_ids in EXECUTABLE.items():
        definitions = parse_bpmn_file(MIWG / f"{model}.bpmn")
        errors = [
            issue
            for issue in validate(definitions)
            if issue.severity is Severity.ERROR and issue.process_id in process_ids
        ]
        assert errors == [], model


def test_model_count_matches_the_suite():
    assert sorted(path.stem for path in MIWG.glob("*.bpmn")) == MODELS


# Models `kontor bpmn check` refuses: an executable process with errors. Problems of
# modelling-only processes (isExecutable="false") are notes and do not fail the check.
CHECK_FAILS = {"C.3.0"}


@pytest.mark.parametrize("model", MODELS)
def test_check_treats_modelling_only_processes_as_notes(model):
    definitions = parse_bpmn_file(MIWG / f"{model}.bpmn")
    issues = validate(definitions)
    modelling_only = {p.id for p in definitions.processes.values() if not p.is_executable}
    assert all(
        issue.severity is Severity.NOTE for issue in issues if issue.process_id in modelling_only
    )
    has_errors = any(issue.severity is Severity.ERROR for issue in issues)
    assert has_errors == (model in CHECK_FAILS)
