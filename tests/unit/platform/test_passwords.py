"""Password policy (ASVS 5.0 V6.2) and the one code path of unknown user and wrong password."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontor.errors import InvalidInput
from kontor.messaging import FakeClock, UnitOfWork
from kontor.platform import (
    Authenticator,
    Directory,
    LoginFailed,
    PasswordHasher,
    TenantKind,
    check_password_policy,
    provision_tenant,
)
from kontor.platform.passwords import common_passwords


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kurz", "at least 12"),
        ("x" * 129, "at most 128"),
        ("1qaz2wsx3edc", "most common"),  # on the shipped list
        ("QWERTY123456", "most common"),  # the list is compared case-insensitively
        ("makler.meier@example.org", "login name"),
    ],
)
def test_policy_refuses_short_long_common_and_login_passwords(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        check_password_policy(password, login="Makler.Meier@example.org")
    assert caught.value.details["field"] == "password"


@pytest.mark.parametrize(
    "password",
    [
        "lowercase only but long",  # no composition rules
        "Grüße aus Köln 🙂",  # any Unicode, spaces included
        "x" * 128,
    ],
)
def test_policy_accepts_long_uncommon_passwords(password: str) -> None:
    check_password_policy(password, login="someone")


def test_shipped_list_holds_thousands_of_common_passwords() -> None:
    common = common_passwords()
    assert len(common) > 20_000
    assert {"123456", "password", "leavemealone"} <= common


def test_hashes_are_argon2id_salted_and_verify_normalised_unicode() -> None:
    hasher = PasswordHasher()
    first, second = hasher.hash("Köln ist eine Reise wert"), hasher.hash("Köln ist eine Reise wert")
    assert first.startswith("$argon2id$")
    assert first != second
    assert hasher.verify("Ko\u0308ln ist eine Reise wert", first)  # o + combining diaeresis
    assert not hasher.verify("Koln ist eine Reise wert", first)


class CountingHasher(PasswordHasher):
    """Records which hashes were verified."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, password: str, hashed: str) -> bool:
        self.verified.append(hashed)
        return super().verify(password, hashed)


def test_unknown_user_and_wrong_password_both_verify_a_hash(engine: Engine) -> None:
    hasher = CountingHasher()
    authenticator = Authenticator(hasher)
    with UnitOfWork(engine, FakeClock()) as uow:
        provision_tenant(uow.connection, "makler-a", "Makler A", TenantKind.BROKER, uow.clock.now())
        user = Directory(uow.connection, "makler-a").add_user(
            login="anna@makler-a.example", display_name="Anna", email="anna@makler-a.example",
            group_ids=["vermittler"], now=uow.clock.now(),
        )  # fmt: skip
        authenticator.set_password(
            uow,
            "makler-a",
            user.user_id,
            "richtig langes Kennwort",
            login=user.login,
            actor=None,
            reason="initial",
        )
        uow.commit()
    answers = []
    for login in ("anna@makler-a.example", "nobody@makler-a.example"):
        with pytest.raises(LoginFailed) as caught:
            authenticator.login(engine, FakeClock(), login, "falsches Kennwort!!")
        answers.append((caught.value.status, caught.value.code, caught.value.message))
    real, dummy = hasher.verified
    assert real.startswith("$argon2id$")
    assert dummy == hasher.dummy_hash
    assert real != dummy
    assert answers[0] == answers[1]
