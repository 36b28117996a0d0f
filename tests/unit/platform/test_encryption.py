"""Secrets stored encrypted: they decrypt only with the same key, purpose and row."""

from __future__ import annotations

import pytest

from kontor.platform import SecretBox, UndecryptableSecret

KEY = b"a-real-secret-for-tests"


def test_a_secret_decrypts_with_its_key_purpose_and_context_only() -> None:
    box = SecretBox(KEY, "second-factor")
    stored = box.encrypt("JBSWY3DPEHPK3PXP", "totp:t:u1")
    assert "JBSWY3DPEHPK3PXP" not in stored
    assert stored.startswith("v1:")
    assert stored != box.encrypt("JBSWY3DPEHPK3PXP", "totp:t:u1")  # a fresh nonce each time
    assert box.decrypt(stored, "totp:t:u1") == "JBSWY3DPEHPK3PXP"
    for other_box, context in (
        (box, "totp:t:u2"),  # copied onto another user's row
        (SecretBox(b"another key", "second-factor"), "totp:t:u1"),
        (SecretBox(KEY, "another purpose"), "totp:t:u1"),
    ):
        with pytest.raises(UndecryptableSecret):
            other_box.decrypt(stored, context)


@pytest.mark.parametrize("stored", ["", "v0:abc", "v1:", "v1:!!!!", "v1:" + "A" * 40])
def test_damaged_stored_forms_are_refused(stored: str) -> None:
    with pytest.raises(UndecryptableSecret):
        SecretBox(KEY, "second-factor").decrypt(stored, "totp:t:u1")


def test_a_new_key_still_opens_what_the_retired_one_sealed_and_rotation_reseals_it() -> None:
    old = SecretBox(KEY, "second-factor")
    stored = old.encrypt("JBSWY3DPEHPK3PXP", "totp:t:u1")
    new = SecretBox(b"the-next-secret-key", "second-factor", retired=[KEY])
    assert new.decrypt(stored, "totp:t:u1") == "JBSWY3DPEHPK3PXP"
    assert new.needs_rotation(stored, "totp:t:u1")
    rotated = new.rotated(stored, "totp:t:u1")
    assert not new.needs_rotation(rotated, "totp:t:u1")
    assert new.rotated(rotated, "totp:t:u1") == rotated  # nothing to do twice
    alone = SecretBox(b"the-next-secret-key", "second-factor")  # the retired key dropped
    assert alone.decrypt(rotated, "totp:t:u1") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(UndecryptableSecret):
        alone.decrypt(stored, "totp:t:u1")
    with pytest.raises(UndecryptableSecret):  # rotation keeps the binding to the row
        new.decrypt(rotated, "totp:t:u2")
