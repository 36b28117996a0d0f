"""Decoding the GDV risk text of Hausrat and Wohngebäude into insured perils."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontor.portfolio import InvalidPortfolioData, Peril, decode_risk_text, encode_risk_text


def test_each_letter_names_its_peril() -> None:
    assert [peril.label for peril in decode_risk_text("BEFGHLMNSU")] == [
        "Beraubung", "Einbruchdiebstahl", "Feuer", "Glas", "Hagel", "Leitungswasser",
        "Elementarschäden", "Nutzfeuer", "Sturm", "Überspannung",
    ]  # fmt: skip


def test_order_case_blanks_and_repeats_do_not_matter() -> None:
    assert decode_risk_text(" sLf e F ") == (
        Peril.BURGLARY,
        Peril.FIRE,
        Peril.TAP_WATER,
        Peril.STORM,
    )


def test_an_unknown_letter_is_named_with_its_position() -> None:
    with pytest.raises(InvalidPortfolioData, match=r"'X' at position 3") as refused:
        decode_risk_text("FEX", field="details.risk_text")
    assert refused.value.details["field"] == "details.risk_text"


@given(st.sets(st.sampled_from(list(Peril))))
def test_encoding_and_decoding_round_trip(perils: set[Peril]) -> None:
    assert set(decode_risk_text(encode_risk_text(perils))) == perils
