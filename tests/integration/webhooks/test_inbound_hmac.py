"""An inbound endpoint with a plain HMAC header creates a task from the payload; a wrong
HMAC is refused; a payload the mapping cannot turn into a task ends as a dead letter."""

from __future__ import annotations

import json

import httpx2 as httpx
import pytest

from kontor.bootstrap import Kontor
from kontor.integration.webhooks import hmac_signature
from support.backends import BACKENDS
from support.messaging import wait_for
from support.tenant_world import broker

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MAPPING = '{name: "Rückruf: " + payload.customer, priority: payload.priority, variables: payload}'


def test_an_hmac_signed_webhook_creates_a_task(kontor: Kontor, client: httpx.Client) -> None:
    b = broker(kontor, "makler-b")
    endpoint = client.post(
        "/api/webhooks/endpoints",
        json={
            "name": "rueckruf",
            "action": "create_task",
            "mapping": MAPPING,
            "scheme": "hmac",
            "signature_header": "X-Signature-256",
        },
        headers=b.headers,
    ).json()
    assert endpoint["signature_header"] == "x-signature-256"
    body = json.dumps({"customer": "Erika Mustermann", "priority": 80}).encode()
    signature = "sha256=" + hmac_signature(endpoint["secret"], body)
    path = endpoint["path"]
    wrong = client.post(
        path,
        content=body,
        headers={"webhook-id": "r-1", "x-signature-256": "sha256=" + "0" * 64},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (401, "webhooks.signature_refused")
    taken = client.post(
        path, content=body, headers={"webhook-id": "r-1", "x-signature-256": signature}
    )
    assert taken.status_code == 202

    def tasks() -> list[dict[str, object]]:
        return list(client.get("/api/tasks?list=all", headers=b.headers).json()["items"])

    wait_for(lambda: len(tasks()) == 1, "the task from the webhook")
    [task] = tasks()
    assert (task["name"], task["priority"]) == ("Rückruf: Erika Mustermann", 80)


def test_a_payload_the_mapping_cannot_use_ends_as_a_dead_letter(
    kontor: Kontor, client: httpx.Client
) -> None:
    b = broker(kontor, "makler-b")
    endpoint = client.post(
        "/api/webhooks/endpoints",
        json={"name": "rueckruf", "action": "create_task", "mapping": MAPPING, "scheme": "hmac"},
        headers=b.headers,
    ).json()
    body = json.dumps({"customer": "Erika Mustermann", "priority": 500}).encode()
    signature = hmac_signature(endpoint["secret"], body)
    answer = client.post(
        endpoint["path"],
        content=body,
        headers={"webhook-id": "r-2", "x-signature-256": signature},
    )
    assert answer.status_code == 202  # taken in; the work fails afterwards, where it is seen
    for _ in range(kontor.settings.message_max_attempts):
        kontor.clock.advance(kontor.settings.message_retry_max_seconds)  # type: ignore[attr-defined]
        kontor.dispatcher.run_due_retries()
    [dead] = client.get("/api/messages/dead", headers=b.headers).json()
    assert dead["type_name"] == "webhooks.handle_inbound"
    assert "does not fit casework.create_task" in dead["last_error"]


def test_a_signed_body_no_database_can_store_is_refused_naming_the_field(
    kontor: Kontor, client: httpx.Client
) -> None:
    b = broker(kontor, "makler-b")
    endpoint = client.post(
        "/api/webhooks/endpoints",
        json={"name": "rueckruf", "action": "create_task", "mapping": MAPPING, "scheme": "hmac"},
        headers=b.headers,
    ).json()
    body = b'{"customer": "Erika\\u0000Mustermann", "priority": 80}'
    signature = hmac_signature(endpoint["secret"], body)
    answer = client.post(
        endpoint["path"], content=body, headers={"webhook-id": "r-3", "x-signature-256": signature}
    )
    assert answer.status_code == 422
    assert "customer" in answer.text
    again = client.post(
        endpoint["path"], content=body, headers={"webhook-id": "r-3", "x-signature-256": signature}
    )
    assert again.status_code == 422  # nothing was kept: not a replayed id
