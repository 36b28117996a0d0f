"""Shared helpers for the DMN unit tests: a FEEL-availability check and a model builder."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from kontor.rules.dmn import Definitions, load_dmn

DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"


@pytest.fixture
def feel() -> None:
    """The FEEL engine is part of Kontor: its absence fails the tests that need it."""
    module = importlib.import_module("kontor.rules.feel")
    needed = ("compile_expression", "compile_unary_tests", "FeelFunction", "to_feel", "parse_type")
    missing = [name for name in needed if not hasattr(module, name)]
    assert not missing, f"kontor.rules.feel lacks {missing}"


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
