"""The per-tenant chain and its seals: links made later by the seal step, not by each writer.

Writers only insert entries (no lock, no read of a previous row). Sealing takes a tenant's
unsealed entries, gives them the next chain positions, links each to the one before with a keyed
hash, and records the new head in a seal row that is itself chained to the tenant's last seal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol

from kontor.platform.audit.entries import AuditKey


class Chainable(Protocol):
    """What a link covers of an entry: its id and the keyed hash of its fields."""

    @property
    def entry_id(self) -> str:
        """The entry's id."""
        ...

    @property
    def content_mac(self) -> str:
        """The keyed hash of the entry's chained fields."""
        ...


@dataclass(frozen=True)
class ChainHead:
    """Where a tenant's chain ends: its last entry, position and chain hash (empty at first)."""

    entry_id: str | None = None
    position: int = 0
    chain_mac: str = ""

    @classmethod
    def after(cls, seal: Seal | None) -> ChainHead:
        """The head a seal recorded (the empty chain's head without one)."""
        if seal is None:
            return cls()
        return cls(seal.head_entry_id, seal.last_position, seal.head_chain_mac)


class ChainLink(NamedTuple):
    """What sealing writes into one entry (a tuple: sealing makes one per entry)."""

    entry_id: str
    position: int
    previous_entry_id: str | None
    chain_mac: str


@dataclass(frozen=True)
class Seal:
    """A sealed head of one tenant's chain, recorded apart from the chain."""

    tenant_id: str
    seal_number: int
    sealed_at: dt.datetime
    sealed_up_to: dt.datetime
    last_position: int
    head_entry_id: str
    head_chain_mac: str
    seal_mac: str


def link_mac(key: AuditKey, head: ChainHead, entry: Chainable) -> str:
    """The chain hash of ``entry`` placed right after ``head``."""
    return _link_mac(key, head.chain_mac, entry.content_mac, head.position + 1, head.entry_id)


def _link_mac(
    key: AuditKey, chain_mac: str, content_mac: str, position: int, previous: str | None
) -> str:
    return key.mac(chain_mac, content_mac, str(position), previous)


def link(key: AuditKey, head: ChainHead, entries: Sequence[Chainable]) -> list[ChainLink]:
    """Chain ``entries`` in order after ``head``."""
    links = []
    previous, position, chain_mac = head.entry_id, head.position, head.chain_mac
    for entry in entries:  # the head kept in locals: no ChainHead made per entry
        position += 1
        chain_mac = _link_mac(key, chain_mac, entry.content_mac, position, previous)
        links.append(ChainLink(entry.entry_id, position, previous, chain_mac))
        previous = entry.entry_id
    return links


def seal_mac(key: AuditKey, seal: Seal, previous: Seal | None) -> str:
    """The keyed hash of a seal, covering the seal before it."""
    return key.mac(
        seal.tenant_id,
        str(seal.seal_number),
        seal.sealed_up_to.astimezone(dt.UTC).isoformat(),
        str(seal.last_position),
        seal.head_entry_id,
        seal.head_chain_mac,
        previous.seal_mac if previous else "",
    )


def new_seal(
    key: AuditKey,
    tenant_id: str,
    previous: Seal | None,
    head: ChainLink,
    sealed_at: dt.datetime,
    sealed_up_to: dt.datetime,
) -> Seal:
    """The seal recording ``head`` as the tenant's newest sealed entry."""
    unsigned = Seal(
        tenant_id=tenant_id,
        seal_number=(previous.seal_number if previous else 0) + 1,
        sealed_at=sealed_at,
        sealed_up_to=sealed_up_to,
        last_position=head.position,
        head_entry_id=head.entry_id,
        head_chain_mac=head.chain_mac,
        seal_mac="",
    )
    return replace(unsigned, seal_mac=seal_mac(key, unsigned, previous))
