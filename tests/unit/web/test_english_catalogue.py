"""English is the UI's second language: every German text a page can show has an English entry.

The texts are those the templates mark with ``_()``, those the web code passes to
``translate(request, …)`` or words as a ``Phrase``, those the apps declare (menu tiles, tables,
columns and their badge words, filters, actions, detail views, forms), the refusals the apps and
the web layer raise in German and the German wording of the engines' refusals.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import kontor.apps
import kontor.web
from kontor.web import messages
from kontor.web.admin.pages import ACTION_WORDS
from kontor.web.app import default_registry
from kontor.web.apps.portfolio_transfer.imports import COUNT_WORDS
from kontor.web.i18n import locale_directory
from kontor.web.registry import APP_TITLES
from kontor.web.views.declarations import Column

WEB = Path(kontor.web.__file__).parent
APPS = Path(kontor.apps.__file__).parent
REFUSING = ("Conflict", "InvalidInput", "NotFound", "KontorError", "InvalidTransferInput",
            "ActionNotAllowed", "NotYourSide", "TransferNotFound", "InvalidLinkDocument",
            "NotTheInsurer", "LinkDocumentNotFound")  # fmt: skip
"""The errors the apps and the web layer raise with a German sentence a page shows."""


def marked_texts() -> Iterator[str]:
    """The texts the templates and the web code mark for translation."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "translate": (2,), "Phrase": (1,), **dict.fromkeys(REFUSING, (1,))}
    for directory in (WEB, APPS):
        for _file, _line, message, _comments, _context in extract_from_dir(
            directory, method_map, options_map=options, keywords=keywords
        ):
            yield message[0] if isinstance(message, tuple) else message


def refusal_texts() -> Iterator[str]:
    """The German wording of refusals and the words put into it."""
    yield from messages.REFUSALS.values()
    yield from messages.BY_STATUS.values()
    yield messages.OTHERWISE
    yield from messages.STATE_WORDS.values()
    yield from messages.MISSING.values()
    yield from messages.PASSWORD_RULES.values()
    yield from messages.FIELD_REFUSALS.values()


def word_texts() -> Iterator[str]:
    """Words the pages put into a sentence or a table: the permission matrix, the import counts."""
    yield from ACTION_WORDS.values()
    yield from (word for _key, word in COUNT_WORDS)


def column_texts(columns: tuple[Column, ...]) -> Iterator[str]:
    """A column's label and its badge words."""
    for column in columns:
        yield column.label
        yield from column.labels.values()


def declared_texts() -> Iterator[str]:
    """The texts the platform's and the apps' declarations show."""
    registry = default_registry()
    yield from APP_TITLES.values()
    for menu in registry.apps.values():
        yield from (menu.title, menu.description, *(entry.label for entry in menu.entries))
    for table in registry.tables.values():
        yield table.title
        yield from column_texts(table.columns)
        yield from (f.label for f in table.filters)
        yield from (a.label for a in table.actions)
        if table.create:
            yield table.create.label
    for detail in registry.details.values():
        yield detail.not_found
        yield from column_texts(detail.fields)
        for section in detail.sections:
            yield section.title
            yield from column_texts(section.columns)
        if detail.back:
            yield detail.back[0]
    for form in registry.forms.values():
        yield form.title
        for name, hints in form.ui.items():
            if name != "__order__":
                yield from (hints.get("label", ""), hints.get("help", ""))
                yield from (hints.get("options") or {}).values()


def english_catalogue() -> dict[str, str]:
    """The English catalogue: German text → English text."""
    with (locale_directory() / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id}


def test_every_marked_text_has_an_english_entry() -> None:
    catalogue = english_catalogue()
    missing = sorted({t for t in marked_texts() if t and not catalogue.get(t)})
    assert not missing, f"no English entry in messages.po for: {missing}"


def test_every_declared_text_has_an_english_entry() -> None:
    catalogue = english_catalogue()
    missing = sorted({t for t in declared_texts() if t and not catalogue.get(t)})
    assert not missing, f"no English entry in messages.po for: {missing}"


def test_every_refusal_text_has_an_english_entry() -> None:
    catalogue = english_catalogue()
    missing = sorted({t for t in refusal_texts() if t and not catalogue.get(t)})
    assert not missing, f"no English entry in messages.po for: {missing}"


def test_every_word_a_page_puts_together_has_an_english_entry() -> None:
    catalogue = english_catalogue()
    missing = sorted({t for t in word_texts() if t and not catalogue.get(t)})
    assert not missing, f"no English entry in messages.po for: {missing}"
