"""Links between instances started by call activities and the instances that called them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParentLink:
    """The calling instance and the token waiting at its call activity."""

    instance_id: str
    token_id: str
