"""Outbox rows on the wire: one row alone, several in packs bounded by count and bytes, each
in the partition of its ordering key."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from kontor.messaging.messages import ENVELOPE_FIELDS, Event
from kontor.messaging.partitions import ordering_key, partition_of
from kontor.messaging.transports import rabbitmq
from kontor.messaging.transports.consumers import partition_of_routing_key
from support.messaging import ContractNoted, InstanceStepped


def _row(event: Event) -> SimpleNamespace:
    envelope = {name: getattr(event, name) for name in ENVELOPE_FIELDS}
    return SimpleNamespace(
        **envelope,
        type_name=event.type_name,
        schema_version=event.schema_version,
        payload=event.payload(),
    )


def _events(count: int, text: str = "x") -> list[ContractNoted]:
    return [ContractNoted(tenant_id="t1", text=f"{text}{number}") for number in range(count)]


def _sent(events: list[Any], partitions: int = 1) -> list[tuple[Any, str]]:
    return list(rabbitmq._to_amqp([_row(event) for event in events], partitions))


def test_a_row_alone_is_one_message_with_its_headers() -> None:
    (event,) = _events(1)
    ((message, routing_key),) = _sent([event])
    assert routing_key == "0.test.contract_noted"
    assert message.type == "test.contract_noted"
    assert message.message_id == event.message_id
    assert message.headers["tenant_id"] == "t1"
    assert [item.message_id for item in rabbitmq._from_amqp(message.body)] == [event.message_id]


def test_rows_found_together_travel_in_packs_of_at_most_100_in_order() -> None:
    events = _events(250)
    sent = _sent(events)
    assert [message.headers["count"] for message, _ in sent] == [100, 100, 50]
    assert {key for _, key in sent} == {f"0.{rabbitmq.PACK_TYPE}"}
    received = [item for message, _ in sent for item in rabbitmq._from_amqp(message.body)]
    assert received == events  # same ids, envelopes and payloads, in outbox order


def test_a_pack_stays_under_its_byte_limit_and_a_large_row_goes_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rabbitmq, "PACK_BYTES", 2_000)
    events = [*_events(3), *_events(1, "x" * 5_000), *_events(3)]
    sent = _sent(events)
    packs = [message.body for message, key in sent if key.endswith(rabbitmq.PACK_TYPE)]
    assert packs
    assert all(len(body) <= 2_000 + len(b'{"pack":[]}') for body in packs)
    alone = [message for message, key in sent if not key.endswith(rabbitmq.PACK_TYPE)]
    assert [message.message_id for message in alone] == [events[3].message_id]
    received = [item for message, _ in sent for item in rabbitmq._from_amqp(message.body)]
    assert received == events


def test_an_undecodable_item_of_a_pack_is_dropped_and_the_others_arrive() -> None:
    good = _events(2)
    sent = _sent(good)
    body = json.loads(sent[0][0].body)
    body["pack"].insert(1, {"type_name": "no.such.type", "envelope": {}, "payload": {}})
    assert rabbitmq._from_amqp(json.dumps(body).encode()) == good


def test_one_instances_rows_share_a_partition_and_keep_their_order() -> None:
    steps = [
        InstanceStepped(tenant_id="t1", instance_id=f"instance-{number % 20}", step=number // 20)
        for number in range(400)
    ]
    sent = _sent(steps, partitions=8)
    by_instance: dict[str, list[int]] = {}
    partitions_of: dict[str, set[int]] = {}
    for message, routing_key in sent:
        partition = partition_of_routing_key(routing_key)
        for item in rabbitmq._from_amqp(message.body):
            assert isinstance(item, InstanceStepped)
            by_instance.setdefault(item.instance_id, []).append(item.step)
            partitions_of.setdefault(item.instance_id, set()).add(partition)
    assert all(steps == list(range(20)) for steps in by_instance.values())
    assert all(len(partitions) == 1 for partitions in partitions_of.values())
    assert len(set().union(*partitions_of.values())) > 1  # twenty instances spread out


def test_the_ordering_key_is_the_instance_then_case_then_task_then_correlation() -> None:
    assert ordering_key({"instance_id": "i1", "task_id": "t1"}, "c1") == "instance_id:i1"
    assert ordering_key({"process_instance_id": "i1", "task_id": "t1"}, "c1") == (
        "process_instance_id:i1"
    )
    assert ordering_key({"case_id": "k1", "task_id": "t1"}, "c1") == "case_id:k1"
    assert ordering_key({"task_id": "t1", "instance_id": None}, "c1") == "task_id:t1"
    assert ordering_key({"text": "x"}, "c1") == "correlation_id:c1"
    # stable across processes and releases: a fixed checksum, not Python's salted hash()
    assert partition_of("instance_id:i1", 8) == partition_of("instance_id:i1", 8) == 7
