"""The FEEL evaluation limits come from the KONTOR_FEEL_MAX_* settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kontor.rules.feel import DEFAULT_LIMITS, FeelWarning, compile_expression
from kontor.settings import Settings


def test_defaults_are_feels_defaults() -> None:
    assert Settings().evaluation_limits == DEFAULT_LIMITS


def test_environment_overrides_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTOR_FEEL_MAX_LIST_SIZE", "10")
    monkeypatch.setenv("KONTOR_FEEL_MAX_SECONDS", "0.5")
    limits = Settings().evaluation_limits
    assert (limits.max_list_size, limits.max_seconds) == (10, 0.5)
    warnings: list[FeelWarning] = []
    ten = compile_expression("for i in 1..10 return i").evaluate({}, warnings, limits.start())
    assert len(ten) == 10
    eleven = compile_expression("for i in 1..11 return i").evaluate({}, warnings, limits.start())
    assert eleven is None
    assert "max_list_size = 10" in warnings[-1].message


def test_a_limit_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="feel_max_iterations"):
        Settings(feel_max_iterations=0)
