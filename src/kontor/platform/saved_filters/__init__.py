"""Saved filters: one mechanism for every table — named AND/OR condition trees per user — and
each user's column layout of a table."""

from kontor.platform.saved_filters.conditions import (
    Condition,
    FieldKind,
    FilterField,
    FilterFields,
    Group,
    Node,
    Operator,
    parse_filter,
    to_json,
)
from kontor.platform.saved_filters.errors import (
    NotFilterOwner,
    SavedFilterNameTaken,
    SavedFilterNotFound,
)
from kontor.platform.saved_filters.layouts import TableLayouts
from kontor.platform.saved_filters.service import FilterDraft, FilterUser, SavedFilters
from kontor.platform.saved_filters.sql import compare, to_sql
from kontor.platform.saved_filters.store import SavedFilter, SavedFilterStore

__all__ = [
    "Condition",
    "FieldKind",
    "FilterDraft",
    "FilterField",
    "FilterFields",
    "FilterUser",
    "Group",
    "Node",
    "NotFilterOwner",
    "Operator",
    "SavedFilter",
    "SavedFilterNameTaken",
    "SavedFilterNotFound",
    "SavedFilterStore",
    "SavedFilters",
    "TableLayouts",
    "compare",
    "parse_filter",
    "to_json",
    "to_sql",
]
