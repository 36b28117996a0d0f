"""German first, English second: gettext catalogues read at start, German formats, Berlin time.

The templates are written in German (the message ids); ``locale/en`` translates them. The
``.po`` files are compiled in memory when first needed, so neither ``make run`` nor a test needs
a build step.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANGUAGE_COOKIE = "kontor_lang"
BERLIN = ZoneInfo("Europe/Berlin")


def locale_directory() -> Path:
    """Where the catalogues live: ``kontor/web/locale/<lang>/LC_MESSAGES/messages.po``."""
    return Path(str(resources.files("kontor"))) / "web" / "locale"


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language`` (German needs none: it is the templates' own language)."""
    po_file = locale_directory() / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The language a person chose (cookie), else German; English only when chosen."""
    if cookie in LANGUAGES:
        return cookie
    del accept_language  # the product speaks German unless a person switches
    return DEFAULT_LANGUAGE


def berlin(moment: dt.datetime) -> dt.datetime:
    """``moment`` (UTC in storage) as Berlin wall-clock time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(BERLIN)


def format_moment(moment: dt.datetime | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A date and time as people in Germany read it: ``02.12.2026, 09:41``."""
    if moment is None:
        return ""
    del language  # digits only: the same in both languages (strftime is ten times faster)
    return berlin(moment).strftime("%d.%m.%Y, %H:%M")


def format_day(value: dt.date | dt.datetime | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A date: ``02.12.2026``."""
    if value is None:
        return ""
    del language
    day = berlin(value).date() if isinstance(value, dt.datetime) else value
    return day.strftime("%d.%m.%Y")


def format_money(amount: Decimal | int | str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """An amount in euro: ``1.234,50 €`` (German grouping and decimal comma)."""
    if amount is None or amount == "":
        return ""
    return format_currency(
        Decimal(str(amount)), "EUR", locale="de_DE" if language == "de" else "en_GB"
    )


def format_number(number: Decimal | int | float | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A number with German grouping and decimal comma."""
    if number is None:
        return ""
    return format_decimal(number, locale="de_DE" if language == "de" else "en_GB")


def format_size(size: int | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A file's size in bytes, kilobytes or megabytes (1,5 MB)."""
    if size is None:
        return ""
    locale = "de_DE" if language == "de" else "en_GB"
    for unit, factor in (("digital-megabyte", 1000**2), ("digital-kilobyte", 1000)):
        if size >= factor:
            return format_unit(round(size / factor, 1), unit, length="short", locale=locale)
    return format_unit(size, "digital-byte", length="short", locale=locale)


class Phrase(str):
    """A German sentence made from a catalogued pattern and catalogued words.

    It reads as the German sentence; translated, the pattern and each word are looked up on
    their own, so a sentence with a state or a reason in it still has one catalogue entry.
    """

    pattern: str
    words: dict[str, str]

    def __new__(cls, pattern: str, **words: str) -> Phrase:
        """The sentence ``pattern`` with ``{name}`` filled in by ``words``."""
        phrase = super().__new__(cls, pattern.format(**words))
        phrase.pattern = pattern
        phrase.words = words
        return phrase

    def translated(self, translation: NullTranslations) -> str:
        """The sentence in the language of ``translation``."""
        words = {name: translated_with(translation, word) for name, word in self.words.items()}
        return translation.gettext(self.pattern).format(**words)


def translated(language: str, message: str) -> str:
    """``message`` (German, or a ``Phrase``) in ``language``."""
    return translated_with(translations(language), message)


def translated_with(translation: NullTranslations, message: str) -> str:
    """``message`` (German, or a ``Phrase``) through ``translation``."""
    if isinstance(message, Phrase):
        return message.translated(translation)
    return translation.gettext(message)
