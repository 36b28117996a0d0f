"""The duplicate key of a contract: who is insured where, under which policy number.

Two contracts with the same key are the same contract delivered twice (e.g. by two GDV files);
the import merges them (the younger validity date wins). Spelling that does not change the
meaning is ignored: case, blanks, punctuation, umlauts written as ``ae``, ``Str.`` for
``Straße``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

from kontor.portfolio.domain import Address, Contract, Customer

_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STREET = re.compile(r"(strasse|str\b\.?)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
SEPARATOR = "|"


def normalized(text: str | None) -> str:
    """``text`` folded for comparison: lower case, umlauts spelled out, only letters and digits."""
    if not text:
        return ""
    folded = text.casefold().translate(_SPELLED)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", folded)


def _street(street: str | None) -> str:
    folded = (street or "").casefold().translate(_SPELLED)
    return normalized(_STREET.sub("str", folded))


def merge_key(
    *,
    first_name: str | None,
    last_name: str | None,
    date_of_birth: dt.date | None,
    address: Address,
    policy_number: str,
    line_of_business_code: str,
    insurer: str | None,
) -> str:
    """The merge key of the given values (``insurer``: the VU number, else the insurer's name)."""
    parts = (
        normalized(first_name),
        normalized(last_name),
        date_of_birth.isoformat() if date_of_birth else "",
        _street(address.street),
        normalized(address.house_number),
        normalized(address.postal_code),
        normalized(policy_number),
        line_of_business_code.strip(),
        normalized(insurer),
    )
    return SEPARATOR.join(parts)


def contract_merge_key(customer: Customer, contract: Contract) -> str:
    """The merge key of ``contract`` held by ``customer`` (a company counts by its name)."""
    return merge_key(
        first_name=customer.first_name,
        last_name=customer.last_name or customer.company_name,
        date_of_birth=customer.date_of_birth,
        address=customer.address,
        policy_number=contract.policy_number,
        line_of_business_code=contract.line_of_business_code,
        insurer=contract.insurer_number or contract.insurer_name,
    )


def merge_key_digest(key: str) -> str:
    """A fixed-length digest of a merge key, as stored and indexed with each contract."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
