"""Laws of the audit chain: a sealed log verifies; a removed, changed or cut-off entry is named."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from kontor.messaging import Change, RecordedChange
from kontor.platform.audit.chain import ChainHead, Seal, link, new_seal
from kontor.platform.audit.entries import AuditEntry, AuditKey, canonical_json, new_entry
from kontor.platform.audit.export import export_rows
from kontor.platform.audit.verification import Problem, verify_tenant

KEY = AuditKey(b"unit-test-secret")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _entries(count: int) -> list[AuditEntry]:
    return [
        new_entry(
            KEY,
            f"e{number:04d}",
            RecordedChange(
                Change("thing.changed", "thing", str(number), after={"n": number}),
                "t1",
                "clerk",
                None,
                T0 + dt.timedelta(seconds=number),
            ),
        )
        for number in range(count)
    ]


def _sealed(count: int, seals: int = 2) -> tuple[list[AuditEntry], list[Seal]]:
    """``count`` entries chained and sealed in ``seals`` rounds."""
    entries, made, chained = _entries(count), list[Seal](), list[AuditEntry]()
    cut = count // seals or count
    for start in range(0, count, cut):
        batch = entries[start : start + cut]
        links = link(KEY, ChainHead.after(made[-1] if made else None), batch)
        chained += [
            replace(
                entry,
                chain_position=made_link.position,
                previous_entry_id=made_link.previous_entry_id,
                chain_mac=made_link.chain_mac,
            )
            for entry, made_link in zip(batch, links, strict=True)
        ]
        sealed_up_to = batch[-1].recorded_at
        made.append(new_seal(KEY, "t1", made[-1] if made else None, links[-1], T0, sealed_up_to))
    return chained, made


def _verify(
    chained: list[AuditEntry], seals: list[Seal], unsealed: tuple[AuditEntry, ...] = ()
) -> Problem | None:
    return verify_tenant(KEY, seals, chained, unsealed, {})


@given(st.lists(st.none() | st.text(), max_size=12))
def test_a_hash_covers_its_parts_as_compact_json_keyed_with_the_derived_key(
    parts: list[str | None],
) -> None:
    """The format every stored hash was made with: logs written before stay verifiable."""
    derived = hmac.new(b"unit-test-secret", b"kontor audit log v1", hashlib.sha256).digest()
    message = json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert KEY.mac(*parts) == hmac.new(derived, message, hashlib.sha256).hexdigest()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.decimals(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_a_difference_is_hashed_as_sorted_compact_json(value: object) -> None:
    """The text every stored difference hash was made of: differences stay verifiable."""
    expected = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    assert canonical_json(value) == expected


@given(st.integers(min_value=1, max_value=30))
def test_a_sealed_log_verifies(count: int) -> None:
    assert _verify(*_sealed(count)) is None


@given(st.integers(min_value=3, max_value=30), st.data())
def test_a_removed_entry_is_named(count: int, data: st.DataObject) -> None:
    chained, seals = _sealed(count)
    gone = data.draw(st.integers(min_value=0, max_value=count - 1))
    problem = _verify(chained[:gone] + chained[gone + 1 :], seals)
    assert problem is not None
    assert problem.entry_id == chained[gone].entry_id


@given(st.integers(min_value=2, max_value=30), st.data())
def test_a_changed_entry_is_named(count: int, data: st.DataObject) -> None:
    chained, seals = _sealed(count)
    which = data.draw(st.integers(min_value=0, max_value=count - 1))
    field = data.draw(st.sampled_from(["actor", "action", "entity_id", "subject"]))
    chained[which] = replace(chained[which], **{field: "forged"})
    problem = _verify(chained, seals)
    assert problem is not None
    assert problem.entry_id == chained[which].entry_id


@given(st.integers(min_value=2, max_value=30), st.data())
def test_a_cut_off_tail_is_named_by_the_sealed_head(count: int, data: st.DataObject) -> None:
    chained, seals = _sealed(count, seals=1)
    keep = data.draw(st.integers(min_value=0, max_value=count - 1))
    problem = _verify(chained[:keep], seals)
    assert problem is not None
    assert problem.entry_id == chained[-1].entry_id
    assert "cut off" in problem.message


def test_an_entry_slipped_in_before_the_last_seal_is_named() -> None:
    chained, seals = _sealed(4)
    (late,) = _entries(1)
    problem = _verify(chained, seals, (late,))
    assert problem is not None
    assert problem.entry_id == late.entry_id


def test_export_rows_are_a_header_and_text_cells() -> None:
    header, row = export_rows(_entries(1))
    assert header[-1] == "difference"
    assert row[-1] == '{"after": {"n": 0}, "before": null}'


@given(st.integers(min_value=4, max_value=30))
def test_rounds_sealed_before_the_retention_horizon_may_be_purged(count: int) -> None:
    chained, seals = _sealed(count)
    first_round = seals[0].last_position
    kept = chained[first_round:]
    horizon = seals[0].sealed_up_to

    assert verify_tenant(KEY, seals, kept, (), {}, purge_horizon=horizon) is None
    problem = verify_tenant(KEY, seals, kept, (), {})  # without retention it is a deletion
    assert problem is not None
    assert problem.entry_id == chained[first_round - 1].entry_id
