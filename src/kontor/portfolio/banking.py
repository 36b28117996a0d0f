"""Bank account numbers: IBAN and BIC checked with schwifty (check digits, lengths, registry)."""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from kontor.portfolio.errors import InvalidPortfolioData


@dataclass(frozen=True)
class CheckedAccount:
    """An IBAN in compact form, its BIC (given or known from the bank registry), the bank."""

    iban: str
    bic: str | None
    bank_name: str | None


def checked_account(iban: str, bic: str | None = None) -> CheckedAccount:
    """The account of ``iban`` and ``bic``; a wrong IBAN or BIC is refused naming it."""
    try:
        parsed = IBAN(iban)
    except SchwiftyException as error:
        raise InvalidPortfolioData(f"IBAN {iban!r} is invalid: {error}", field="iban") from None
    known_bic = None
    bank_name = None
    try:
        known_bic = parsed.bic
        bank_name = parsed.bank_name
    except SchwiftyException:
        pass  # not every bank is in the registry; the IBAN itself is sound
    if bic is not None:
        try:
            checked_bic = BIC(bic.replace(" ", ""))
        except SchwiftyException as error:
            raise InvalidPortfolioData(f"BIC {bic!r} is invalid: {error}", field="bic") from None
        return CheckedAccount(parsed.compact, str(checked_bic.compact), bank_name)
    return CheckedAccount(
        parsed.compact, None if known_bic is None else str(known_bic.compact), bank_name
    )
