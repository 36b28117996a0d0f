"""Type stub of the compiled field decoder (see ``_fields.pyx``)."""

from collections.abc import Iterable
from typing import Any

ALPHANUMERIC: int
CONVERTED: int
WHOLE_NUMBER: int
AMOUNT: int
DATE: int

class PartDecoder:
    """Slice and convert every value field of one Teildatensatz in one call."""

    def __init__(
        self, fields: Iterable[tuple[str, int, int, int, Any, int, int | None]]
    ) -> None: ...
    def __call__(self, text: str) -> dict[str, Any]: ...
    def into(self, text: str, values: dict[str, Any]) -> None: ...
