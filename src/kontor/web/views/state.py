"""A table's state as it lives in the URL (search, filters, sort, page) and the selection token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from kontor.errors import InvalidInput
from kontor.json_input import loads_bounded
from kontor.platform.saved_filters import Node
from kontor.web.views.declarations import TableView

SEARCH_MAX = 200
CONDITIONS_MAX = 20_000


@dataclass(frozen=True)
class TableState:
    """What a table shows: search text, filter values, sort key ("-" descending) and page; the
    conditions editor's JSON (``cond``), a saved filter's id, and the tree both make together."""

    search: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    conditions: str = ""
    saved: str = ""
    tree: Node | None = None

    def query(self, **changes: str | int) -> str:
        """The URL query of this state with ``changes`` (``page`` resets unless given)."""
        values: dict[str, str | int] = {"q": self.search, "sort": self.sort, "page": self.page,
                                        "cond": self.conditions, "saved": self.saved}  # fmt: skip
        values.update({f"f_{key}": value for key, value in self.filters.items()})
        if "page" not in changes:
            values["page"] = 1
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def sorted_by(self, key: str) -> str:
        """The query that sorts by ``key``, reversing the direction if it sorts so already."""
        return self.query(sort=f"-{key}" if self.sort == key else key)


def read_state(view: TableView, params: Mapping[str, str], remembered: str | None) -> TableState:
    """The state from the URL; the remembered search applies when the URL names none."""
    search = params.get("q", remembered or "").strip()
    if len(search) > SEARCH_MAX:
        raise InvalidInput(f"die Suche ist länger als {SEARCH_MAX} Zeichen", field="q")
    sort = params.get("sort") or view.default_sort
    if sort.removeprefix("-") not in view.sortable() and sort != view.default_sort:
        raise InvalidInput(
            f"nach {sort.removeprefix('-')!r} kann nicht sortiert werden", field="sort"
        )
    try:
        page = int(params.get("page", "1") or "1")
    except ValueError:
        raise InvalidInput("die Seite ist keine Zahl", field="page") from None
    if page < 1 or page > 1_000_000:
        raise InvalidInput("die Seite liegt außerhalb der Tabelle", field="page")
    filters = {}
    for declared in view.filters:
        value = params.get(f"f_{declared.key}", declared.default)
        if value:
            filters[declared.key] = value
    conditions, saved = params.get("cond", ""), params.get("saved", "")
    if len(conditions) > CONDITIONS_MAX:
        raise InvalidInput(
            f"die Bedingungen sind länger als {CONDITIONS_MAX} Zeichen", field="cond"
        )
    if len(saved) > 36:
        raise InvalidInput("der gespeicherte Filter ist unbekannt", field="saved")
    return TableState(search, filters, sort, page, conditions, saved)


def selection_token(secret: str, view: TableView, user_id: str, state: TableState) -> str:
    """A token standing for "every row matching this search and these filters" (any page)."""
    payload = json.dumps(
        [view.name, user_id, state.search, dict(state.filters), state.conditions, state.saved]
    ).encode()
    signature = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]
    return base64.urlsafe_b64encode(payload).decode() + "." + signature


def read_selection_token(secret: str, view: TableView, user_id: str, token: str) -> TableState:
    """The search and filters a selection token stands for; refuses another's or a forged one."""
    encoded, _, signature = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded.encode())
        expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]
        name, owner, search, filters, conditions, saved = loads_bounded(payload)
    except (ValueError, TypeError):
        raise InvalidInput("die Auswahl ist ungültig", field="all") from None
    if not hmac.compare_digest(signature, expected) or name != view.name or owner != user_id:
        raise InvalidInput("die Auswahl ist ungültig", field="all")
    kept = {str(k): str(v) for k, v in dict(filters).items()}
    return TableState(str(search), kept, conditions=str(conditions), saved=str(saved))
