"""Webhook signatures: the Standard Webhooks scheme (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``) through the ``standardwebhooks`` package, and a plain HMAC header."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence

from standardwebhooks import Webhook

from kontor.errors import KontorError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format marker, not a secret
SECRET_BYTES = 32
STANDARD = "standard"
HMAC = "hmac"
SCHEMES = (STANDARD, HMAC)


class SignatureRefused(KontorError):
    """An inbound webhook whose signature, timestamp or id does not pass."""

    code = "webhooks.signature_refused"
    status = 401
    title = "Signature refused"


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form (``whsec_`` + base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def is_valid_secret(secret: str) -> bool:
    """Whether ``secret`` is usable: ``whsec_`` + base64 of at least 24 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        return False
    return len(raw) >= 24


def standard_headers(
    webhook_id: str, sent_at: dt.datetime, body: str, secrets_in_use: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per secret (rotation overlap)."""
    signatures = " ".join(
        Webhook(secret).sign(webhook_id, sent_at, body) for secret in secrets_in_use
    )
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def verify_standard(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    now: dt.datetime,
    tolerance: dt.timedelta,
) -> str:
    """The webhook id of a correctly signed, timely Standard Webhooks request; else refused."""
    webhook_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not (webhook_id and stamp and signature):
        raise SignatureRefused("webhook-id, webhook-timestamp and webhook-signature are required")
    sent_at = _timestamp(stamp)
    _within(sent_at, now, tolerance)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureRefused("the body is not UTF-8") from None
    expected = Webhook(secret).sign(webhook_id, sent_at, text).split(",", 1)[1]
    offered = [part.split(",", 1) for part in signature.split(" ") if "," in part]
    if not any(v == "v1" and hmac.compare_digest(expected, s) for v, s in offered):
        raise SignatureRefused("no signature matches")
    return webhook_id


def verify_hmac(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    header: str,
    now: dt.datetime,
    tolerance: dt.timedelta,
) -> str:
    """The id of a request whose ``header`` holds the hex HMAC-SHA256 of its body; else refused.

    The id comes from ``webhook-id`` (or ``x-request-id``); a ``webhook-timestamp`` header,
    when present, must lie within the replay window.
    """
    webhook_id = headers.get("webhook-id") or headers.get("x-request-id") or ""
    if not webhook_id:
        raise SignatureRefused("webhook-id is required")
    stamp = headers.get("webhook-timestamp")
    if stamp:
        _within(_timestamp(stamp), now, tolerance)
    given = headers.get(header.lower(), "").removeprefix("sha256=")
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise SignatureRefused(f"the signature in {header} does not match")
    return webhook_id


def hmac_signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body`` under ``secret`` (what ``verify_hmac`` expects)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _timestamp(stamp: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise SignatureRefused("webhook-timestamp is no Unix time in seconds") from None


def _within(sent_at: dt.datetime, now: dt.datetime, tolerance: dt.timedelta) -> None:
    if abs(now - sent_at) > tolerance:
        raise SignatureRefused(
            f"webhook-timestamp lies outside the replay window of "
            f"{int(tolerance.total_seconds())} s"
        )
