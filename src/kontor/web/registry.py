"""What the shell shows: apps' menu tiles, declared tables and forms, registered at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from kontor.platform import installed_apps
from kontor.web.views.declarations import AppMenu, DetailView, FormView, TableView


@dataclass
class WebRegistry:
    """The declarations of every app; ``kontor.web.apps`` fills it when the app is built."""

    apps: dict[str, AppMenu] = field(default_factory=dict)
    tables: dict[str, TableView] = field(default_factory=dict)
    forms: dict[str, FormView] = field(default_factory=dict)
    details: dict[str, DetailView] = field(default_factory=dict)

    def add_app(self, menu: AppMenu) -> None:
        """Declare an app's menu tile (shown to users whose groups install the app)."""
        self.apps[menu.app] = menu

    def add_table(self, view: TableView) -> None:
        """Declare a table view; its page is served at ``view.path``."""
        if view.name in self.tables:
            raise ValueError(f"a table view {view.name!r} is declared twice")
        self.tables[view.name] = view

    def add_detail(self, view: DetailView) -> None:
        """Declare a detail view; its page is served at ``view.path/{id}``."""
        if view.name in self.details:
            raise ValueError(f"a detail view {view.name!r} is declared twice")
        self.details[view.name] = view

    def add_form(self, form: FormView) -> None:
        """Declare a form; tasks with this ``form_key`` show it."""
        self.forms[form.key] = form

    def menu_for(self, permissions: frozenset[str]) -> list[AppMenu]:
        """The app tiles a holder of ``permissions`` sees, with only the entries they may use."""
        tiles = []
        for app in installed_apps(permissions):
            declared = self.apps.get(app) or AppMenu(app, APP_TITLES.get(app, app))
            entries = tuple(e for e in declared.entries if e.shown_to(permissions))
            tiles.append(AppMenu(declared.app, declared.title, entries, declared.description))
        return tiles


APP_TITLES = {
    "portfolio_transfer": "Umdeckung",
    "settlement": "Abrechnung",
    "links": "Links",
    "portal_accesses": "Portalzugänge",
    "inbox": "Posteingang",
}
"""The German names of the apps the permission catalogue knows (until an app declares its tile)."""
