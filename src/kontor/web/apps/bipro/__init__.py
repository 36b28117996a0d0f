"""The broker's BiPRO apps in the browser: Portalzugänge (the logins per insurer, polled every
two hours or at once) and Posteingang (the fetched shipments and their documents)."""

from __future__ import annotations

from kontor.web.apps.bipro.accesses import ACCESSES, NEW_PATH, READ, WRITE
from kontor.web.apps.bipro.inbox import INBOX, SHIPMENT_VIEW
from kontor.web.registry import WebRegistry
from kontor.web.views import AppMenu, MenuEntry


def declare(registry: WebRegistry) -> None:
    """Declare both tiles, their tables and the shipment view."""
    registry.add_table(ACCESSES)
    registry.add_table(INBOX)
    registry.add_detail(SHIPMENT_VIEW)
    registry.add_app(
        AppMenu(
            "portal_accesses",
            "Portalzugänge",
            (
                MenuEntry("Portalzugänge", ACCESSES.path, READ),
                MenuEntry("Portalzugang anlegen", NEW_PATH, WRITE),
            ),
            "BiPRO-Zugangsdaten je Gesellschaft; Abruf alle zwei Stunden",
        )
    )
    registry.add_app(
        AppMenu(
            "inbox",
            "Posteingang",
            (MenuEntry("Posteingang", INBOX.path, READ),),
            "Dokumente und Geschäftsvorfälle der Gesellschaften",
        )
    )
