"""The pure core of cases: the case type's transitions are law, refused changes change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontor.casework.cases import CaseType, CaseTypeRegistry, TransitionRefused, UnknownCaseType
from kontor.casework.cases.domain import (
    Case,
    change_status,
    close_case,
    open_case,
    reopen_case,
    update_case,
)
from support.cases import CLAIM

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def _new() -> Case:
    draft = Case("c-1", "claim", "S-1", "Sturm", "", None, None, None, {"claim_number": "S-1"},
                 NOW)  # fmt: skip
    return open_case(CLAIM, draft).case


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("status"), st.sampled_from(CLAIM.statuses)),
        st.tuples(st.just("close"), st.none()),
        st.tuples(st.just("reopen"), st.none()),
        st.tuples(st.just("owner"), st.sampled_from(["u-anna", "u-ben", None])),
    ),
    max_size=25,
)


def _allowed(case: Case, operation: str, argument: str | None) -> bool:
    """The model: what the case type and the open/closed state permit."""
    if operation == "reopen":
        return case.closed
    if operation == "status":
        return not case.closed and CLAIM.allows(case.status, argument or "")
    return not case.closed


def _apply(case: Case, operation: str, argument: str | None) -> Case:
    if operation == "status":
        return change_status(CLAIM, case, argument or "", None).case
    if operation == "close":
        return close_case(case, None, NOW).case
    if operation == "reopen":
        return reopen_case(case, None).case
    return update_case(CLAIM, case, owner=argument).case


@given(OPERATIONS)
def test_operations_succeed_exactly_when_the_model_allows_them(
    operations: list[tuple[str, str | None]],
) -> None:
    case = _new()
    for operation, argument in operations:
        try:
            after = _apply(case, operation, argument)
        except TransitionRefused:
            assert not _allowed(case, operation, argument), (operation, argument, case)
            continue
        assert _allowed(case, operation, argument), (operation, argument, case)
        assert after.status in CLAIM.statuses
        assert after.closed == (operation == "close" or (case.closed and operation != "reopen"))
        case = after


def test_a_case_type_naming_unknown_statuses_or_a_broken_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown statuses"):
        CaseType("x", "X", ("a",), "a", {"a": ("b",)})
    with pytest.raises(ValueError, match="invalid data schema"):
        CaseType("x", "X", ("a",), "a", {}, {"type": "no-such-type"})


def test_an_unknown_case_type_is_named() -> None:
    registry = CaseTypeRegistry([CLAIM])
    assert registry.all() == [CLAIM]
    with pytest.raises(UnknownCaseType, match="'parcel'"):
        registry.get("parcel")
    with pytest.raises(ValueError, match="twice"):
        registry.register(CaseType("claim", "Other", ("a",), "a", {}))


def test_an_update_that_changes_nothing_leaves_no_trace() -> None:
    case = _new()
    outcome = update_case(CLAIM, case, title="Sturm", data={"claim_number": "S-1"})
    assert (outcome.case, outcome.entries) == (case, ())
