"""Insured perils (versicherte Gefahren) and the GDV risk-text letters that name them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from kontor.portfolio.errors import InvalidPortfolioData


class Peril(StrEnum):
    """An insured peril; the value is the GDV risk-text letter."""

    ROBBERY = "B"  # Beraubung
    BURGLARY = "E"  # ED, Einbruchdiebstahl
    FIRE = "F"  # Feuer
    GLASS = "G"  # Glas
    HAIL = "H"  # Hagel
    TAP_WATER = "L"  # Leitungswasser
    NATURAL_HAZARDS = "M"  # Elementarschäden
    USE_FIRE = "N"  # Nutzfeuer
    STORM = "S"  # Sturm
    OVERVOLTAGE = "U"  # Überspannung

    @property
    def label(self) -> str:
        """The German name the UI shows."""
        return PERIL_LABELS[self]


PERIL_LABELS: dict[Peril, str] = {
    Peril.ROBBERY: "Beraubung",
    Peril.BURGLARY: "Einbruchdiebstahl",
    Peril.FIRE: "Feuer",
    Peril.GLASS: "Glas",
    Peril.HAIL: "Hagel",
    Peril.TAP_WATER: "Leitungswasser",
    Peril.NATURAL_HAZARDS: "Elementarschäden",
    Peril.USE_FIRE: "Nutzfeuer",
    Peril.STORM: "Sturm",
    Peril.OVERVOLTAGE: "Überspannung",
}
_ORDER = {peril: position for position, peril in enumerate(Peril)}


def decode_risk_text(text: str, field: str = "risk_text") -> tuple[Peril, ...]:
    """The perils a GDV risk text names (``"FELS"``), in catalogue order, each once.

    Blanks are ignored and letters may be lower case; any other character is refused naming
    ``field``, the character and its position.
    """
    found: set[Peril] = set()
    for position, character in enumerate(text, start=1):
        if character.isspace():
            continue
        try:
            found.add(Peril(character.upper()))
        except ValueError:
            known = "".join(peril.value for peril in Peril)
            raise InvalidPortfolioData(
                f"risk text {text!r}: {character!r} at position {position} is no peril letter "
                f"(known: {known})",
                field=field,
                position=position,
            ) from None
    return ordered_perils(found)


def ordered_perils(perils: Iterable[Peril]) -> tuple[Peril, ...]:
    """``perils`` once each, in catalogue order (B E F G H L M N S U)."""
    return tuple(sorted(set(perils), key=_ORDER.__getitem__))


def encode_risk_text(perils: Iterable[Peril]) -> str:
    """The GDV risk text of ``perils``: their letters in catalogue order."""
    return "".join(peril.value for peril in ordered_perils(perils))
