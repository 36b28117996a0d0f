"""Properties: any input is either a checked entity or a refusal naming a field, never a crash;
the merge key ignores spelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kontor.portfolio import (
    Address,
    InvalidPortfolioData,
    build_bank_account,
    build_claim,
    build_claims_ratio,
    build_contract,
    build_customer,
    decode_risk_text,
    merge_key,
)
from support.portfolio import CUSTOMER, HOUSEHOLD

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.decimals(allow_nan=True, allow_infinity=True), st.dates(),
    st.lists(st.text(max_size=3), max_size=3), st.dictionaries(st.text(max_size=8), st.text()),
)  # fmt: skip


def _refused_or_built(build: Any, *args: Any) -> None:
    try:
        build(*args)
    except InvalidPortfolioData as refusal:
        refused = refusal.details["field"]
        assert refused


@given(st.dictionaries(st.sampled_from([*sorted(CUSTOMER), "kind", "other_addresses"]), VALUES))
def test_any_customer_data_is_built_or_refused_naming_a_field(changes: dict[str, Any]) -> None:
    _refused_or_built(build_customer, "c", CUSTOMER | changes)


@given(st.dictionaries(st.sampled_from([*sorted(HOUSEHOLD), "status", "currency"]), VALUES))
def test_any_contract_data_is_built_or_refused_naming_a_field(changes: dict[str, Any]) -> None:
    _refused_or_built(build_contract, "k", "c", HOUSEHOLD | changes)


@given(st.dictionaries(st.text(max_size=20), VALUES))
def test_any_details_are_built_or_refused_naming_a_field(details: dict[str, Any]) -> None:
    household = {"kind": "household"} | details
    _refused_or_built(build_contract, "k", "c", HOUSEHOLD | {"details": household})


RATIO = {"scope": "insurer", "insurer_number": "9001", "period_start": "2025-01-01",
         "period_end": "2025-12-31", "ratio": "0.5"}  # fmt: skip
CLAIM = {"occurred_on": "2025-01-01", "amount_paid": "1.00", "reserve": "0", "status": "open"}
ACCOUNT = {"iban": "DE89370400440532013000", "bic": None, "mandate_date": "2020-01-01"}


@given(
    st.dictionaries(
        st.sampled_from(
            [*sorted(RATIO), "contract_id", "line_of_business_code", "product", "peril", "premium"]
        ),
        VALUES,
    )
)
def test_any_claims_ratio_data_is_built_or_refused_naming_a_field(changes: dict[str, Any]) -> None:
    _refused_or_built(build_claims_ratio, "r", RATIO | changes)


@given(st.dictionaries(st.sampled_from([*sorted(CLAIM), "cause", "claim_number"]), VALUES))
def test_any_claim_data_is_built_or_refused_naming_a_field(changes: dict[str, Any]) -> None:
    _refused_or_built(build_claim, "s", "k", CLAIM | changes)


@given(st.dictionaries(st.sampled_from([*sorted(ACCOUNT), "holder", "mandate_reference"]), VALUES))
def test_any_bank_account_data_is_built_or_refused_naming_a_field(
    changes: dict[str, Any],
) -> None:
    _refused_or_built(build_bank_account, "b", "c", ACCOUNT | changes)


@given(st.text(max_size=20))
def test_any_risk_text_is_decoded_or_refused(text: str) -> None:
    _refused_or_built(decode_risk_text, text)


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=12)


@given(first=NAMES, last=NAMES, number=st.from_regex(r"[A-Z]{2}[0-9]{1,8}", fullmatch=True))
def test_the_merge_key_ignores_case_blanks_and_punctuation(
    first: str, last: str, number: str
) -> None:
    def key(first_name: str, last_name: str, policy: str) -> str:
        return merge_key(
            first_name=first_name, last_name=last_name, date_of_birth=dt.date(1980, 1, 1),
            address=Address("Hauptstraße", "1", "10115", "Berlin"), policy_number=policy,
            line_of_business_code="130", insurer="9001",
        )  # fmt: skip

    spelled = key(f" {first.upper()} ", f"{last.title()}-", f"{number[:2]} {number[2:]}")
    assert spelled == key(first, last, number)
