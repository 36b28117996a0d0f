"""Shared helpers for the DMN unit tests: a FEEL-availability guard and a model builder."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from kontor.rules.dmn import Definitions, load_dmn

DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def _feel_ready() -> bool:
    try:
        module = importlib.import_module("kontor.rules.feel")
    except ImportError:
        return False
    needed = ("compile_expression", "compile_unary_tests", "FeelFunction", "to_feel", "parse_type")
    return all(hasattr(module, name) for name in needed)


@pytest.fixture
def feel() -> None:
    """Skip tests that evaluate FEEL while the FEEL engine is not importable yet."""
    if not _feel_ready():
        pytest.skip("kontor.rules.feel is not available yet")


def definitions(body: str, namespace: str = DMN15) -> str:
    """Wrap DRG elements in a DMN definitions document."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<definitions xmlns="{namespace}" id="defs" name="test" namespace="http://example.com/test">\n'
        f"{body}\n</definitions>\n"
    )


@pytest.fixture
def build_model(feel: None) -> Callable[[str], Definitions]:
    """Return a function that imports DMN from the given DRG body."""

    def build(body: str) -> Definitions:
        return load_dmn(definitions(body), file_name="test.dmn")

    return build


@pytest.fixture
def dmn_document() -> Callable[..., str]:
    """Return the function that wraps DRG elements in a definitions document."""
    return definitions
