"""The SQL store of cases, their links and their timeline; every query is tenant-scoped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Select, String, and_, bindparam, cast, insert, select, update
from sqlalchemy.exc import IntegrityError

from kontor.casework.cases.domain import Case
from kontor.casework.cases.errors import CaseNotFound, ConcurrentCaseChange, DuplicateBusinessKey
from kontor.casework.cases.tables import case_links, case_timeline, cases
from kontor.db.fast import FastStatement, Read, read_together
from kontor.db.lists import any_of_parameter
from kontor.errors import InvalidInput

_CASE_COLUMNS = tuple(Case.__dataclass_fields__)
_LINKED_TO = FastStatement(  # every process end asks it
    select(case_links.c.case_id).where(
        case_links.c.tenant_id == bindparam("b_tenant"),
        case_links.c.kind == bindparam("b_kind"),
        case_links.c.target_id == bindparam("b_target"),
    )
)
_LINKED_TO_ANY = FastStatement(  # PostgreSQL: the links of several targets in one statement
    select(case_links.c.target_id, case_links.c.case_id).where(
        case_links.c.tenant_id == bindparam("b_tenant"),
        case_links.c.kind == bindparam("b_kind"),
        any_of_parameter(case_links.c.target_id, "b_targets"),
    )
)


@dataclass(frozen=True)
class CaseFilter:
    """What a case list is narrowed to; ``data`` holds top-level data fields and their text."""

    case_type: str | None = None
    status: str | None = None
    owner: str | None = None
    group_id: str | None = None
    business_key: str | None = None
    data: dict[str, str] = field(default_factory=dict)


def data_filters(values: list[str]) -> dict[str, str]:
    """``field:value`` texts as a data filter; anything else is refused naming it."""
    filters = {}
    for value in values:
        name, separator, text = value.partition(":")
        if not separator or not name:
            raise InvalidInput(f"data filter {value!r} is not 'field:value'", field="data")
        filters[name] = text
    return filters


@dataclass(frozen=True)
class CasePage:
    """One page of cases in creation order and the cursor of the next page (None: last page)."""

    items: list[Case]
    next_cursor: str | None


@dataclass(frozen=True)
class TimelineEntry:
    """One stored entry of a case's timeline."""

    entry_id: int
    kind: str
    actor: str | None
    at: dt.datetime
    details: dict[str, Any]


class CaseStore:
    """Cases of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def add(self, case: Case) -> None:
        """Store a new case; a business key taken for its type is refused."""
        if self._find_key(case.case_type, case.business_key) is not None:
            raise _duplicate(case)
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(cases).values(self._row(case)))
        except IntegrityError:  # a concurrent writer took the key in between
            raise _duplicate(case) from None

    def get(self, case_id: str) -> Case:
        """The case ``case_id``; ``CaseNotFound`` when it is not the tenant's."""
        row = self._connection.execute(
            select(cases).where(cases.c.tenant_id == self._tenant_id, cases.c.case_id == case_id)
        ).one_or_none()
        if row is None:
            raise CaseNotFound(f"case {case_id!r} not found", case_id=case_id)
        return _case(row._mapping)

    def exists(self, case_id: str) -> bool:
        """Whether the tenant has a case ``case_id``."""
        found = self._connection.execute(
            select(cases.c.case_id).where(
                cases.c.tenant_id == self._tenant_id, cases.c.case_id == case_id
            )
        ).first()
        return found is not None

    def save(self, case: Case) -> Case:
        """Store the changed ``case`` if nobody changed it since it was read; the new revision."""
        saved = replace(case, revision=case.revision + 1)
        changed = self._connection.execute(
            update(cases)
            .where(
                cases.c.tenant_id == self._tenant_id,
                cases.c.case_id == case.case_id,
                cases.c.revision == case.revision,
            )
            .values(self._row(saved))
        ).rowcount
        if changed != 1:
            raise ConcurrentCaseChange(
                f"case {case.case_id!r} was changed by someone else", case_id=case.case_id
            )
        return saved

    def link(self, case_id: str, kind: str, target_id: str, at: dt.datetime) -> bool:
        """Link the case to ``target_id``; False when it already was."""
        known = self._connection.execute(
            select(case_links.c.case_id).where(
                case_links.c.tenant_id == self._tenant_id,
                case_links.c.case_id == case_id,
                case_links.c.kind == kind,
                case_links.c.target_id == target_id,
            )
        ).first()
        if known is not None:
            return False
        self._connection.execute(
            insert(case_links).values(
                tenant_id=self._tenant_id, case_id=case_id, kind=kind, target_id=target_id,
                linked_at=at,
            )
        )  # fmt: skip
        return True

    def links(self, case_id: str) -> list[tuple[str, str]]:
        """(kind, target id) of everything the case is linked to."""
        rows = self._connection.execute(
            select(case_links.c.kind, case_links.c.target_id)
            .where(case_links.c.tenant_id == self._tenant_id, case_links.c.case_id == case_id)
            .order_by(case_links.c.linked_at, case_links.c.kind, case_links.c.target_id)
        )
        return [(row.kind, row.target_id) for row in rows]

    def linked_to(self, kind: str, target_id: str) -> list[str]:
        """The ids of the cases linked to ``target_id``."""
        found = read_together(self._connection, *self.linked_reads(kind, [target_id]))
        return self.linked_found([target_id], found)[0]

    def linked_reads(self, kind: str, target_ids: Sequence[str]) -> list[Read]:
        """The reads of the cases linked to each of ``target_ids`` (``linked_found``)."""
        if self._connection.dialect.name == "postgresql":
            params = {"b_tenant": self._tenant_id, "b_kind": kind, "b_targets": list(target_ids)}
            return [(_LINKED_TO_ANY, params)]
        return [
            (_LINKED_TO, {"b_tenant": self._tenant_id, "b_kind": kind, "b_target": target})
            for target in target_ids
        ]

    def linked_found(self, target_ids: Sequence[str], found: list[list[Any]]) -> list[list[str]]:
        """For each of ``target_ids``, its linked cases in the rows of ``linked_reads``."""
        if self._connection.dialect.name == "postgresql":
            linked: dict[str, list[str]] = {}
            for row in found[0]:
                linked.setdefault(row.target_id, []).append(row.case_id)
            return [sorted(linked.get(target, [])) for target in target_ids]
        return [sorted(row.case_id for row in rows) for rows in found]

    def page(self, wanted: CaseFilter, limit: int, after: str | None = None) -> CasePage:
        """Cases matching ``wanted`` in creation order, ``limit`` at most, after ``after``."""
        conditions = [cases.c.tenant_id == self._tenant_id]
        for name in ("case_type", "status", "owner", "group_id", "business_key"):
            value = getattr(wanted, name)
            if value is not None:
                conditions.append(cases.c[name] == value)
        for name, text in wanted.data.items():
            # as text on both backends: JSONB's ->> and SQLite's json_extract cast to text
            conditions.append(cast(cases.c.data[name].as_string(), String) == text)
        if after is not None:
            conditions.append(cases.c.case_id > after)
        rows = self._connection.execute(
            select(cases).where(and_(*conditions)).order_by(cases.c.case_id).limit(limit + 1)
        ).all()
        items = [_case(row._mapping) for row in rows[:limit]]
        return CasePage(items, items[-1].case_id if len(rows) > limit else None)

    def listing(self) -> Select[Any]:
        """The tenant's cases as a query, one row per case (``id`` and its list columns), for
        callers that add their own search, sorting and paging (the browser's tables)."""
        shown = [c for c in cases.c if c.name not in ("tenant_id", "data", "revision")]
        query = select(cases.c.case_id.label("id"), *shown)
        return query.where(cases.c.tenant_id == self._tenant_id)

    def _find_key(self, case_type: str, business_key: str) -> str | None:
        found: str | None = self._connection.execute(
            select(cases.c.case_id).where(
                cases.c.tenant_id == self._tenant_id,
                cases.c.case_type == case_type,
                cases.c.business_key == business_key,
            )
        ).scalar_one_or_none()
        return found

    def _row(self, case: Case) -> dict[str, Any]:
        return {
            "tenant_id": self._tenant_id,
            **{name: getattr(case, name) for name in _CASE_COLUMNS},
        }


class Timeline:
    """The append-only timelines of one tenant's cases."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def append(
        self, case_id: str, kind: str, actor: str | None, at: dt.datetime, details: dict[str, Any]
    ) -> None:
        """Add an entry at the end of the case's timeline."""
        self._connection.execute(
            insert(case_timeline).values(
                tenant_id=self._tenant_id, case_id=case_id, kind=kind, actor=actor, at=at,
                details=details,
            )
        )  # fmt: skip

    def entries(self, case_id: str) -> list[TimelineEntry]:
        """The case's timeline in the order it happened."""
        rows = self._connection.execute(
            select(case_timeline)
            .where(case_timeline.c.tenant_id == self._tenant_id, case_timeline.c.case_id == case_id)
            .order_by(case_timeline.c.entry_id)
        )
        return [
            TimelineEntry(row.entry_id, row.kind, row.actor, row.at, row.details) for row in rows
        ]


def _case(row: Any) -> Case:
    return Case(**{name: row[name] for name in _CASE_COLUMNS})


def _duplicate(case: Case) -> DuplicateBusinessKey:
    return DuplicateBusinessKey(
        f"a {case.case_type!r} case with business key {case.business_key!r} exists already",
        field="business_key",
        business_key=case.business_key,
    )
