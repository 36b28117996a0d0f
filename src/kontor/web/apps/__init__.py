"""The web side of the business apps: each app's module declares its menu tile, tables, forms.

``kontor.apps`` sits below ``kontor.web`` in the layering, so an app's screens are declared
here, in ``kontor.web.apps.<app>``, and may use the app's public face.
"""

from __future__ import annotations

from kontor.web.apps import bipro, links, portfolio_transfer
from kontor.web.registry import WebRegistry


def register_apps(registry: WebRegistry) -> None:
    """Let every app declare its screens in ``registry``."""
    portfolio_transfer.declare(registry)
    links.declare(registry)
    bipro.declare(registry)
