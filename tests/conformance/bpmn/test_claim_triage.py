"""The shared benchmark model runs end to end (its Python expressions via the test evaluator)."""

from pathlib import Path

import pytest

from kontor.process.bpmn import parse_bpmn_file, verdict

CLAIM_TRIAGE = Path(__file__).parents[3].parent / "shared" / "bench" / "bpmn" / "claim_triage.bpmn"

pytestmark = pytest.mark.skipif(
    not CLAIM_TRIAGE.is_file(), reason=f"benchmark model not found at {CLAIM_TRIAGE}"
)


def test_claim_triage_is_executable():
    assert verdict(parse_bpmn_file(CLAIM_TRIAGE), "ClaimTriage").executable


@pytest.mark.parametrize(
    ("amount", "review", "risk"),
    [(5000, "SeniorReview", "high"), (200, "ClerkReview", "low")],
)
def test_claim_triage_trace(scenario_runner, amount, review, risk):
    scenario = {
        "variables": {"amount": amount},
        "steps": [
            {"expect_open": [review]},
            {"complete_user_task": review},
            {"expect_open": ["NotifyCustomer", "UpdateLedger"]},
            {"complete_job": "UpdateLedger"},
            {"complete_job": "NotifyCustomer"},
        ],
    }
    run = scenario_runner(CLAIM_TRIAGE, scenario)
    assert run.trace == [
        "StartEvt", "AssessRisk", "RiskGw", review, "MergeGw", "SplitGw",
        "UpdateLedger", "NotifyCustomer", "JoinGw", "EndEvt",
    ]  # fmt: skip
    assert run.state.status.value == "completed"
    assert run.state.variables["risk"] == risk
    job_types = {e.type for e in run.effects if type(e).__name__ == "JobCreated"}
    assert job_types == {"NotifyCustomer", "UpdateLedger"}
