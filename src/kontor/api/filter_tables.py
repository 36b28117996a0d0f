"""The tables that offer saved filters, joined here: the platform keeps filters, owners compile.

A table adds its ``FilterFields`` under its table id; ``/api/saved-filters`` checks filters
against them and the table's own list route turns a filter into SQL.
"""

from __future__ import annotations

from kontor.casework.tasks.filtering import TASK_FILTER_FIELDS
from kontor.platform import Principal
from kontor.platform.saved_filters import FilterUser, SavedFilters

SAVED_FILTERS = SavedFilters({TASK_FILTER_FIELDS.table_id: TASK_FILTER_FIELDS})
"""Saved filters over every table that declares its fields (append a table here)."""


def filter_user(caller: Principal) -> FilterUser:
    """The caller as the user of saved filters."""
    return FilterUser(caller.tenant_id, caller.user_id, caller.groups)
