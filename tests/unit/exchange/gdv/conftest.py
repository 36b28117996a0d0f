"""Small GDV files built with the writer, for reader tests."""

from __future__ import annotations

import pytest

from support.gdv_files import build_file


@pytest.fixture
def small_file() -> bytes:
    """A valid one-package file (LF, ISO-8859-1) with 0100, 0200, 0210/0220 for 130 and 140."""
    return build_file().to_bytes()
