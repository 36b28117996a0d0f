"""Password hashing (Argon2id through pwdlib) and the password policy of OWASP ASVS 5.0 V6.2."""

from __future__ import annotations

import functools
import unicodedata
from importlib.resources import files

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from kontor.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128


class PasswordHasher:
    """Hashes and verifies passwords with Argon2id (RFC 9106 defaults of argon2-cffi)."""

    def __init__(self) -> None:
        self._hash = PasswordHash((Argon2Hasher(),))

    def hash(self, password: str) -> str:
        """The Argon2id hash of ``password`` (salted, self-describing)."""
        return self._hash.hash(_normalised(password))

    def verify(self, password: str, hashed: str) -> bool:
        """Whether ``password`` matches ``hashed``."""
        return self._hash.verify(_normalised(password), hashed)

    @functools.cached_property
    def dummy_hash(self) -> str:
        """A hash verified for unknown users, so that they cost what a wrong password costs."""
        return self.hash("no user has this password; it only spends the time a check takes")


def _normalised(password: str) -> str:
    # the same password typed on another keyboard or OS must match (ASVS 6.2.6: Unicode allowed)
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded."""
    text = files("kontor.platform").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


def check_password_policy(password: str, *, login: str, field: str = "password") -> None:
    """Refuse a password that is too short, too long, common or the login name itself.

    There are no composition rules (ASVS 6.2.5): length and rarity make a password strong.
    """
    length = len(_normalised(password))
    if length < MIN_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_LENGTH} characters",
            field=field, rule="min_length", limit=MIN_LENGTH,
        )  # fmt: skip
    if length > MAX_LENGTH:
        raise InvalidInput(
            f"a password may have at most {MAX_LENGTH} characters",
            field=field, rule="max_length", limit=MAX_LENGTH,
        )  # fmt: skip
    folded = _normalised(password).casefold()
    if folded in common_passwords() or folded == login.casefold():
        raise InvalidInput(
            "this password is among the most common ones or is the login name; choose another",
            field=field,
            rule="common",
        )
