"""Errors of saved filters, with stable codes for the API."""

from __future__ import annotations

from kontor.errors import Conflict, NotFound, PermissionDenied


class SavedFilterNotFound(NotFound):
    """No filter with that id that the caller may see."""

    code = "filters.not_found"


class SavedFilterNameTaken(Conflict):
    """The caller already has a filter of that name for that table."""

    code = "filters.name_taken"


class NotFilterOwner(PermissionDenied):
    """Only the user who saved a filter changes or deletes it."""

    code = "filters.not_owner"
