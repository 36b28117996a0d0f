"""Webhook signatures agree with the Standard Webhooks reference library and refuse changes."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks import Webhook

from kontor.integration.webhooks import SignatureRefused, new_secret, standard_headers
from kontor.integration.webhooks.signing import hmac_signature, verify_hmac, verify_standard

WINDOW = dt.timedelta(minutes=5)
BODY = '{"type": "case.created", "data": {"amount": 1234.56}}'


def test_kontors_signature_verifies_with_the_reference_library() -> None:
    secret = new_secret()
    now = dt.datetime.now(dt.UTC)
    headers = standard_headers("msg_1", now, BODY, [secret])
    assert Webhook(secret).verify(BODY, headers) == {
        "type": "case.created",
        "data": {"amount": 1234.56},
    }


def test_any_of_several_signatures_passes_during_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    headers = standard_headers("msg_1", now, BODY, [new, old])
    for secret in (old, new):
        assert verify_standard(secret, BODY.encode(), headers, now, WINDOW) == "msg_1"
    with pytest.raises(SignatureRefused, match="no signature matches"):
        verify_standard(new_secret(), BODY.encode(), headers, now, WINDOW)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-id": "msg_2"}, "no signature matches"),
        ({"webhook-timestamp": "1767225000"}, "replay window"),
        ({"webhook-timestamp": "gestern"}, "Unix time"),
        ({"webhook-signature": ""}, "are required"),
    ],
)
def test_changed_headers_are_refused(change: dict[str, str], reason: str) -> None:
    secret = new_secret()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    headers = {**standard_headers("msg_1", now, BODY, [secret]), **change}
    with pytest.raises(SignatureRefused, match=reason):
        verify_standard(secret, BODY.encode(), headers, now, WINDOW)


def test_a_changed_body_is_refused() -> None:
    secret = new_secret()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    headers = standard_headers("msg_1", now, BODY, [secret])
    with pytest.raises(SignatureRefused):
        verify_standard(secret, BODY.replace("1234.56", "9999.99").encode(), headers, now, WINDOW)


def test_the_hmac_scheme_checks_the_body_and_the_optional_timestamp() -> None:
    secret = new_secret()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    body = BODY.encode()
    headers = {"webhook-id": "r-1", "x-sig": "sha256=" + hmac_signature(secret, body)}
    assert verify_hmac(secret, body, headers, "x-sig", now, WINDOW) == "r-1"
    with pytest.raises(SignatureRefused, match="x-sig"):
        verify_hmac(secret, body + b" ", headers, "x-sig", now, WINDOW)
    late = {**headers, "webhook-timestamp": str(int((now - WINDOW * 2).timestamp()))}
    with pytest.raises(SignatureRefused, match="replay window"):
        verify_hmac(secret, body, late, "x-sig", now, WINDOW)
