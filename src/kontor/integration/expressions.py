"""The expression language the integration layer maps data with (FEEL, wired in bootstrap)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Expressions(Protocol):
    """Evaluates expression text against JSON variables; the result is JSON again."""

    def evaluate(self, text: str, variables: Mapping[str, Any]) -> Any:
        """The value of ``text`` with ``variables`` in scope; raises on errors."""
        ...

    def check(self, text: str) -> str | None:
        """None if ``text`` compiles, else the reason it does not."""
        ...
