"""Access to the wired Kontor process from a request."""

from __future__ import annotations

from fastapi import Request

from kontor.bootstrap import Kontor


def kontor_of(request: Request) -> Kontor:
    """The Kontor process serving ``request``."""
    wired: Kontor = request.app.state.kontor
    return wired
