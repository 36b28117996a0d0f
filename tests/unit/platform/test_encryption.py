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
