"""Import settings are read strictly: lines of business as three digits, a readable window."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kontor.settings import Settings


def test_lines_of_business_are_padded_to_three_digits() -> None:
    assert Settings(import_lines_of_business=["30", "130"]).import_lines_of_business == [
        "030", "130"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("import_lines_of_business", ["Hausrat"], "no GDV line of business"),
        ("import_run_window", "werktags", "write it like 'Mo-Fr 08:00-20:00'"),
    ],
)
def test_unreadable_import_settings_are_refused_naming_the_form(
    setting: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**{setting: value})
