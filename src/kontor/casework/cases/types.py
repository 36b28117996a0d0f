"""Case types: what an application declares about its cases (data schema, business statuses)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from kontor.casework.cases.errors import InvalidCaseData, UnknownCaseType


@dataclass(frozen=True)
class CaseType:
    """A kind of case: its JSON Schema for data, business statuses and allowed transitions.

    ``transitions`` maps a status to the statuses a case may move to from it; a status
    missing from it is a dead end until the case is closed.
    """

    type_id: str
    name: str
    statuses: tuple[str, ...]
    initial_status: str
    transitions: Mapping[str, tuple[str, ...]]
    data_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})

    def __post_init__(self) -> None:
        known = set(self.statuses)
        named = {self.initial_status} | set(self.transitions)
        named |= {target for targets in self.transitions.values() for target in targets}
        unknown = sorted(named - known)
        if unknown:
            raise ValueError(f"case type {self.type_id!r} names unknown statuses: {unknown}")
        try:
            Draft202012Validator.check_schema(dict(self.data_schema))
        except SchemaError as error:
            raise ValueError(
                f"case type {self.type_id!r}: invalid data schema: {error.message}"
            ) from None

    def allows(self, from_status: str, to_status: str) -> bool:
        """Whether a case of this type may move from ``from_status`` to ``to_status``."""
        return to_status in self.transitions.get(from_status, ())

    def check_data(self, data: Mapping[str, Any]) -> None:
        """Refuse ``data`` the schema does not accept, naming every failing field path."""
        validator = Draft202012Validator(dict(self.data_schema))
        problems = sorted(validator.iter_errors(data), key=lambda error: list(error.path))
        if problems:
            errors = [
                {"field": "/".join(str(part) for part in e.absolute_path), "message": e.message}
                for e in problems
            ]
            fields = ", ".join(problem["field"] or "(root)" for problem in errors)
            raise InvalidCaseData(
                f"the data of a {self.type_id!r} case is invalid at: {fields}",
                case_type=self.type_id,
                errors=errors,
            )


class CaseTypeRegistry:
    """The case types the applications of one Kontor process registered."""

    def __init__(self, case_types: Iterable[CaseType] = ()) -> None:
        self._types: dict[str, CaseType] = {}
        self.register(*case_types)

    def register(self, *case_types: CaseType) -> None:
        """Add case types; registering the same one twice is harmless, a clash is not."""
        for case_type in case_types:
            known = self._types.get(case_type.type_id)
            if known is not None and known != case_type:
                raise ValueError(f"case type {case_type.type_id!r} is registered twice")
            self._types[case_type.type_id] = case_type

    def get(self, type_id: str) -> CaseType:
        """The case type ``type_id``; raises ``UnknownCaseType`` naming it otherwise."""
        case_type = self._types.get(type_id)
        if case_type is None:
            raise UnknownCaseType(f"no application registers the case type {type_id!r}",
                                  field="case_type")  # fmt: skip
        return case_type

    def all(self) -> list[CaseType]:
        """Every registered case type, by id."""
        return sorted(self._types.values(), key=lambda case_type: case_type.type_id)
