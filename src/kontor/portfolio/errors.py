"""The errors of the portfolio, each with a stable code."""

from __future__ import annotations

from kontor.errors import Conflict, InvalidInput, NotFound


class PortfolioEntityNotFound(NotFound):
    """No customer, contract, bank account, claim or claims ratio with that id in the tenant."""

    code = "portfolio.not_found"


class InvalidPortfolioData(InvalidInput):
    """Portfolio data that breaks a rule (``field`` names the offending field)."""

    code = "portfolio.invalid_data"


class ConcurrentPortfolioChange(Conflict):
    """Someone else changed the entity since the given version; load it again and retry."""

    code = "portfolio.concurrent_change"


class EntityInUse(Conflict):
    """The entity still has dependants (a customer with contracts) and cannot be deleted."""

    code = "portfolio.in_use"
