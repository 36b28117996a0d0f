"""Secrets Kontor must read back later (a TOTP seed), stored encrypted under ``KONTOR_SECRET_KEY``.

AES-256-GCM from ``cryptography``: the key is derived from the secret key with HKDF-SHA256 for
this one purpose, every value gets a fresh 96-bit nonce, and each value is bound to the place
it belongs to (``context``, e.g. the user), so a ciphertext copied onto another row does not
decrypt. Stored form: ``v1:`` plus URL-safe base64 of nonce and ciphertext.

Key rotation: a new ``KONTOR_SECRET_KEY`` with the former ones in ``KONTOR_SECRET_KEYS_RETIRED``
keeps every stored secret readable (the GCM tag tells which key sealed it); ``rotated`` seals a
value anew under the current key, so that the retired keys can be dropped once all are rotated.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1:"
NONCE_BYTES = 12
K = TypeVar("K")


class UndecryptableSecret(Exception):
    """A stored secret that does not decrypt: another key, another row, or changed bytes."""


class SecretBox:
    """Encrypts and decrypts short secrets with a key derived from the platform's secret key."""

    def __init__(self, secret_key: bytes, purpose: str, retired: Sequence[bytes] = ()) -> None:
        self._aead = _aead(secret_key, purpose)
        self._retired = tuple(_aead(key, purpose) for key in retired)

    def encrypt(self, plaintext: str, context: str) -> str:
        """The stored form of ``plaintext``, bound to ``context``."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str, context: str) -> str:
        """The plaintext of ``stored`` (sealed under the current or a retired key); raises
        ``UndecryptableSecret`` if it does not verify."""
        return self._open(stored, context)[0]

    def needs_rotation(self, stored: str, context: str) -> bool:
        """Whether ``stored`` was sealed under a retired key."""
        return self._open(stored, context)[1]

    def rotated(self, stored: str, context: str) -> str:
        """``stored`` sealed anew under the current key (unchanged if it already is)."""
        plaintext, retired = self._open(stored, context)
        return self.encrypt(plaintext, context) if retired else stored

    def reseal_all(
        self,
        rows: Iterable[tuple[K, str]],
        context: Callable[[K], str],
        store: Callable[[K, str], object],
    ) -> int:
        """Seal anew each ``(key, stored)`` a retired key sealed, handing it to ``store``; how
        many."""
        count = 0
        for key, stored in rows:
            fresh = self.rotated(stored, context(key))
            if fresh != stored:
                store(key, fresh)
                count += 1
        return count

    def _open(self, stored: str, context: str) -> tuple[str, bool]:
        if not stored.startswith(VERSION):
            raise UndecryptableSecret("unknown format of a stored secret")
        try:
            raw = base64.urlsafe_b64decode(stored[len(VERSION) :])
        except ValueError as error:
            raise UndecryptableSecret("a stored secret does not decrypt") from error
        for retired, aead in enumerate((self._aead, *self._retired)):
            try:
                opened = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
            except (InvalidTag, ValueError):
                continue
            return opened.decode(), retired > 0
        raise UndecryptableSecret("a stored secret does not decrypt")


def _aead(secret_key: bytes, purpose: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"kontor:{purpose}".encode()
    ).derive(secret_key)
    return AESGCM(derived)
