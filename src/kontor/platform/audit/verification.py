"""Verification of one tenant's audit log: the first broken link, named by entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kontor.platform.audit.chain import ChainHead, Seal, link_mac, seal_mac
from kontor.platform.audit.entries import AuditEntry, AuditKey, content_mac, difference_mac


@dataclass(frozen=True)
class Problem:
    """A broken link: which entry (or seal head) of which tenant, and what is wrong."""

    tenant_id: str
    entry_id: str
    message: str

    def __str__(self) -> str:
        return f"tenant {self.tenant_id}, entry {self.entry_id}: {self.message}"


def verify_tenant(
    key: AuditKey,
    seals: Sequence[Seal],
    chained: Iterable[AuditEntry],
    unsealed: Iterable[AuditEntry],
    erasures: Mapping[str, str],
    purge_horizon: dt.datetime | None = None,
) -> Problem | None:
    """The first problem of one tenant's log, or None when every hash and link holds.

    ``seals`` in order; ``chained`` are the sealed entries by chain position, ``unsealed`` the
    rest; ``erasures`` maps the id of each erasure entry to the data subject it erased. Entries
    of seals that sealed up to ``purge_horizon`` or earlier may be gone (retention purged them).
    """
    purgeable = [
        s.last_position for s in seals if purge_horizon and s.sealed_up_to <= purge_horizon
    ]
    return (
        _seal_problem(key, seals)
        or _chain_problem(key, seals, chained, erasures, max(purgeable, default=0))
        or _unsealed_problem(key, seals, unsealed, erasures)
    )


def entry_problem(key: AuditKey, entry: AuditEntry, erasures: Mapping[str, str]) -> str | None:
    """What is wrong with one entry on its own (changed fields or difference), if anything."""
    if content_mac(key, entry) != entry.content_mac:
        return "its recorded fields do not match its hash: the row was changed"
    if entry.difference is None or entry.difference_salt is None:
        erased_subject = erasures.get(entry.erased_by or "")
        if entry.subject is None or erased_subject != entry.subject:
            return "its difference is gone but no erasure of its data subject removed it"
    elif difference_mac(key, entry.difference_salt, entry.difference) != entry.difference_mac:
        return "its difference does not match its hash: the difference was changed"
    return None


def _seal_problem(key: AuditKey, seals: Sequence[Seal]) -> Problem | None:
    previous: Seal | None = None
    for number, seal in enumerate(seals, start=1):
        if seal.seal_number != number:
            return Problem(seal.tenant_id, seal.head_entry_id, f"seal {number} is missing")
        if seal_mac(key, seal, previous) != seal.seal_mac:
            return Problem(
                seal.tenant_id, seal.head_entry_id, f"seal {number} does not match its hash"
            )
        previous = seal
    return None


def _chain_problem(
    key: AuditKey,
    seals: Sequence[Seal],
    chained: Iterable[AuditEntry],
    erasures: Mapping[str, str],
    purged_through: int,
) -> Problem | None:
    seal_at = {seal.last_position: seal for seal in seals}
    last_sealed = seals[-1].last_position if seals else 0
    head = ChainHead()
    for entry in chained:
        tenant, position = entry.tenant_id, entry.chain_position or 0
        resumed = head.position == 0 and 1 < position <= purged_through + 1
        if resumed:  # retention purged the entries before: the chain resumes from this link
            head = ChainHead(entry.previous_entry_id, position - 1)
        if position != head.position + 1:
            missing = entry.previous_entry_id or "?"
            return Problem(
                tenant,
                missing,
                f"is missing: entry {entry.entry_id} at chain position {position} links to it, "
                f"but the chain before it ends at position {head.position}",
            )
        found = entry_problem(key, entry, erasures)
        if found is not None:
            return Problem(tenant, entry.entry_id, found)
        if entry.previous_entry_id != head.entry_id:
            return Problem(
                tenant,
                entry.entry_id,
                f"links to entry {entry.previous_entry_id}, but the entry before it is "
                f"{head.entry_id}",
            )
        mac = (entry.chain_mac or "") if resumed else link_mac(key, head, entry)
        if mac != entry.chain_mac:
            return Problem(tenant, entry.entry_id, "its chain link does not match its hash")
        if position > last_sealed:
            return Problem(tenant, entry.entry_id, "is chained but no seal covers it")
        seal = seal_at.get(position)
        if seal is not None and (seal.head_entry_id, seal.head_chain_mac) != (entry.entry_id, mac):
            return Problem(
                tenant, entry.entry_id, f"is not the head that seal {seal.seal_number} recorded"
            )
        head = ChainHead(entry.entry_id, position, mac)
    if head.position < last_sealed and last_sealed > purged_through:
        seal = seals[-1]
        return Problem(
            seal.tenant_id,
            seal.head_entry_id,
            f"is missing: seal {seal.seal_number} recorded it as the head at chain position "
            f"{last_sealed}, but the log ends at position {head.position} (its tail was cut off)",
        )
    return None


def _unsealed_problem(
    key: AuditKey,
    seals: Sequence[Seal],
    unsealed: Iterable[AuditEntry],
    erasures: Mapping[str, str],
) -> Problem | None:
    sealed_up_to = seals[-1].sealed_up_to if seals else None
    for entry in unsealed:
        found = entry_problem(key, entry, erasures)
        if found is not None:
            return Problem(entry.tenant_id, entry.entry_id, found)
        if sealed_up_to is not None and entry.recorded_at <= sealed_up_to:
            return Problem(
                entry.tenant_id, entry.entry_id, "was added after its time had been sealed"
            )
    return None
