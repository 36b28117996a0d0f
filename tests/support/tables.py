"""Reading and acting on the generated table views in a real browser: cells, rows, the context
menu's actions on one row or a selection, and waiting for a background run to change a row."""

from __future__ import annotations

import time
from typing import Any

from support.messaging import WAIT_BOUND_SECONDS


def cells(page: Any, column: int) -> list[str]:
    """The texts of one column of the table, top to bottom (first column is 1)."""
    selector = f"#table-area tbody tr.data-row td:nth-child({column})"
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def header_index(page: Any, label: str) -> int:
    """The position (from 1) of the column headed ``label``."""
    headers = [h.strip() for h in page.locator("#table-area thead th").all_inner_texts()]
    return headers.index(label) + 1


def row_of(page: Any, text: str) -> Any:
    """The table row containing ``text``."""
    return page.locator("#table-area tbody tr.data-row", has_text=text)


def run_on_row(page: Any, text: str, action: str, remark: str = "") -> list[str]:
    """Right-click the row with ``text``, choose ``action``; the per-row results shown."""
    row_of(page, text).click(button="right")
    menu = page.get_by_role("dialog")
    menu.wait_for()
    if remark:
        menu.get_by_label("Begründung (falls nötig)").fill(remark)
    return _chosen(page, menu, action)


def run_on_selection(page: Any, texts: list[str], action: str) -> list[str]:
    """Select the rows with ``texts``, choose ``action`` from the menu; the per-row results."""
    for text in texts:
        row_of(page, text).get_by_role("checkbox").check()
    row_of(page, texts[0]).click(button="right")
    menu = page.get_by_role("dialog")
    menu.wait_for()
    assert menu.locator(".menu-scope").inner_text() == f"Aktion für {len(texts)} ausgewählte Zeilen"
    return _chosen(page, menu, action)


def _chosen(page: Any, menu: Any, action: str) -> list[str]:
    """Click ``action`` in the open menu; the results it brings (the previous ones cleared).

    Returns once the table has been refreshed as well, so that the next step acts on its rows."""
    page.evaluate(
        "() => { document.querySelector('#action-results')?.replaceChildren();"
        " document.querySelector('#table-area').dataset.stale = 'yes'; }"
    )
    menu.get_by_role("button", name=action).click()
    results = page.locator("#action-results .result-list li")
    results.first.wait_for()
    page.locator("#table-area:not([data-stale])").wait_for()
    return sorted(results.all_inner_texts())


def status_of(page: Any, text: str, label: str = "Status") -> str:
    """The cell under ``label`` in the row with ``text``."""
    column = header_index(page, label)
    cell = str(row_of(page, text).locator(f"td:nth-child({column})").inner_text())
    return cell.replace("\xa0", " ").strip()  # money and percent keep a no-break space


def wait_for_status(page: Any, text: str, wanted: str, label: str = "Status") -> None:
    """Reload the table until the row with ``text`` shows ``wanted`` (bounded)."""
    deadline = time.monotonic() + WAIT_BOUND_SECONDS
    while status_of(page, text, label) != wanted:
        assert time.monotonic() < deadline, f"{text}: still {status_of(page, text, label)!r}"
        page.wait_for_timeout(250)  # polling the server's background run, not timing it
        page.reload()
