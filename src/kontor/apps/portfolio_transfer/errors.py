"""Errors of the portfolio transfer app, each with a stable code."""

from __future__ import annotations

from kontor.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class ActionNotAllowed(Conflict):
    """The current status of a transfer request (or its case) does not allow the action."""

    code = "portfolio_transfer.action_not_allowed"


class TransferNotFound(NotFound):
    """No transfer request with this id for the caller's tenant."""

    code = "portfolio_transfer.not_found"


class InvalidTransferInput(InvalidInput):
    """Input for a transfer action that cannot be used (names the field)."""

    code = "portfolio_transfer.invalid_input"


class NotYourSide(PermissionDenied):
    """The action belongs to the other side (broker or underwriter)."""

    code = "portfolio_transfer.other_side"
