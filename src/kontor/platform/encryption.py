"""Secrets Kontor must read back later (a TOTP seed), stored encrypted under ``KONTOR_SECRET_KEY``.

AES-256-GCM from ``cryptography``: the key is derived from the secret key with HKDF-SHA256 for
this one purpose, every value gets a fresh 96-bit nonce, and each value is bound to the place
it belongs to (``context``, e.g. the user), so a ciphertext copied onto another row does not
decrypt. Stored form: ``v1:`` plus URL-safe base64 of nonce and ciphertext.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1:"
NONCE_BYTES = 12


class UndecryptableSecret(Exception):
    """A stored secret that does not decrypt: another key, another row, or changed bytes."""


class SecretBox:
    """Encrypts and decrypts short secrets with a key derived from the platform's secret key."""

    def __init__(self, secret_key: bytes, purpose: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"kontor:{purpose}".encode()
        ).derive(secret_key)
        self._aead = AESGCM(derived)

    def encrypt(self, plaintext: str, context: str) -> str:
        """The stored form of ``plaintext``, bound to ``context``."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str, context: str) -> str:
        """The plaintext of ``stored``; raises ``UndecryptableSecret`` if it does not verify."""
        if not stored.startswith(VERSION):
            raise UndecryptableSecret("unknown format of a stored secret")
        try:
            raw = base64.urlsafe_b64decode(stored[len(VERSION) :])
            opened = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as error:
            raise UndecryptableSecret("a stored secret does not decrypt") from error
        return opened.decode()
