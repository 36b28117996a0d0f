"""Bounds for numbers in paths, queries and bodies: what the database and the clock can hold.

An unbounded integer reached the database as an overflow (a 500); bounded, it is a 422 naming
the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

STORED_INT_MAX = 2**31 - 1
"""The largest integer an INTEGER column holds on every backend (PostgreSQL's int4)."""

DURATION_MS_MAX = 10 * 366 * 24 * 3600 * 1000
"""The longest duration (ten years, in milliseconds) a lock or retry timeout may ask for."""

VersionPath = Annotated[int, Path(ge=1, le=STORED_INT_MAX)]
"""A version number in a path."""
