"""The Umdeckung app in the browser: the broker's Verträge and Umdeckung, the underwriter's
Underwriter-App and Zeichnungsvorgänge, a request's detail with its protocol."""

from __future__ import annotations

from kontor.web.apps.portfolio_transfer.detail import REQUEST_VIEW
from kontor.web.apps.portfolio_transfer.imports import IMPORT, IMPORT_RUN, IMPORTS, UPLOAD_PATH
from kontor.web.apps.portfolio_transfer.ratios_page import RATIOS, RECEIVED_PATH
from kontor.web.apps.portfolio_transfer.screens import (
    APP,
    CASES,
    CONTRACTS,
    INCOMING,
    READ,
    REQUESTS,
)
from kontor.web.registry import WebRegistry
from kontor.web.views import AppMenu, MenuEntry

BROKER_SIDE = "portfolio:write"
"""Held by the broker's Vermittler (they maintain their portfolio), not by the insurer's groups."""


def declare(registry: WebRegistry) -> None:
    """Declare the app's tile, its tables, the request view and the import run view."""
    for table in (CONTRACTS, REQUESTS, INCOMING, CASES, IMPORTS, RATIOS):
        registry.add_table(table)
    registry.add_detail(REQUEST_VIEW)
    registry.add_detail(IMPORT_RUN)
    registry.add_app(
        AppMenu(
            "portfolio_transfer",
            "Umdeckung",
            (
                MenuEntry("Datenimport", UPLOAD_PATH, IMPORT),
                MenuEntry("Verträge", CONTRACTS.path, BROKER_SIDE),
                MenuEntry("Umdeckung", REQUESTS.path, BROKER_SIDE),
                MenuEntry("Schadenquoten", RATIOS.path, BROKER_SIDE),
                MenuEntry("Underwriter-App", INCOMING.path, READ, unless=BROKER_SIDE),
                MenuEntry("Zeichnungsvorgänge", CASES.path, READ, unless=BROKER_SIDE),
                MenuEntry("Schadenquoten der Makler", RECEIVED_PATH, READ, unless=BROKER_SIDE),
            ),
            "Verträge eines Maklers zum Versicherer umdecken",
        )
    )


__all__ = ["APP", "declare"]
