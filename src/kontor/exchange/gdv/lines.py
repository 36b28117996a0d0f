"""Physical lines of a GDV file: encoding detection and splitting into 256-character records."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO

RECORD_LENGTH = 256
ENCODINGS = ("iso-8859-1", "iso-8859-15", "cp850", "utf-8")
"""Encodings the reader detects (and accepts as override)."""

_SNIFF_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 20
_MAX_CARRY = 1 << 16
_CP850_UMLAUTS = frozenset(b"\x81\x84\x8e\x94\x99\x9a")
_LATIN_UMLAUTS = frozenset(b"\xc4\xd6\xdc\xe4\xf6\xfc\xdf")
_LATIN9_ONLY = frozenset(b"\xa4")
_BLANK = " \t\x1a\x00"


def normalise_encoding(name: str) -> str:
    """Return the canonical name of a supported encoding; ``ValueError`` when unsupported."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unbekannte Zeichenkodierung {name!r}") from None
    for candidate in ENCODINGS:
        if codecs.lookup(candidate).name == canonical:
            return candidate
    raise ValueError(f"Zeichenkodierung {name!r} wird nicht unterstützt ({', '.join(ENCODINGS)})")


def detect_encoding(sample: bytes) -> str:
    """Guess the encoding of a GDV file from its first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.isascii():
        return "iso-8859-1"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    cp850 = sum(sample.count(byte) for byte in _CP850_UMLAUTS)
    latin = sum(sample.count(byte) for byte in _LATIN_UMLAUTS)
    if cp850 > latin:
        return "cp850"
    if any(byte in sample for byte in _LATIN9_ONLY):
        return "iso-8859-15"
    return "iso-8859-1"


class PhysicalLines:
    """Iterate (line number, record text, raw text) over a binary stream in constant memory.

    The record text has no line terminator; the raw text is exactly what the file held for that
    line (terminators included), so joining the raw texts gives the file back. Lines longer than
    256 characters (files without separators) are cut into 256-character records.
    """

    def __init__(self, stream: IO[bytes], encoding: str | None = None) -> None:
        self._stream = stream
        self._head = stream.read(_SNIFF_BYTES)
        self.encoding = normalise_encoding(encoding) if encoding else detect_encoding(self._head)
        self.lf = 0
        self.crlf = 0
        self.bom = ""
        self.bom_pending = False

    @property
    def line_ending(self) -> str:
        """Return ``LF``, ``CRLF``, ``mixed`` or ``none`` (as seen so far)."""
        if self.lf and self.crlf:
            return "mixed"
        if self.crlf:
            return "CRLF"
        return "LF" if self.lf else "none"

    def __iter__(self) -> Iterator[tuple[int, str, str]]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="surrogateescape")
        number = 0
        carry = ""
        chunk = self._head
        first = True
        while chunk:
            text = decoder.decode(chunk)
            if first and text.startswith("\ufeff"):
                self.bom, self.bom_pending, text = "\ufeff", True, text[1:]
            first = False
            pieces = (carry + text).split("\n")
            carry = pieces.pop()
            lf = crlf = 0
            for piece in pieces:
                size = len(piece)
                if size == RECORD_LENGTH and not self.bom_pending:
                    lf += 1
                    number += 1
                    yield number, piece, piece + "\n"
                elif size == RECORD_LENGTH + 1 and piece[-1] == "\r" and not self.bom_pending:
                    crlf += 1
                    number += 1
                    yield number, piece[:-1], piece + "\n"
                else:
                    for body, raw in self._split(piece, "\n"):
                        number += 1
                        yield number, body, raw
            self.lf += lf
            self.crlf += crlf
            if len(carry) > _MAX_CARRY:
                cut = (len(carry) - 1) // RECORD_LENGTH * RECORD_LENGTH
                for start in range(0, cut, RECORD_LENGTH):
                    block = carry[start : start + RECORD_LENGTH]
                    number += 1
                    lead, self.bom_pending = (self.bom if self.bom_pending else ""), False
                    yield number, block, lead + block
                carry = carry[cut:]
            chunk = self._stream.read(_CHUNK_BYTES)
        carry += decoder.decode(b"", final=True)
        if carry:
            for body, raw in self._split(carry, ""):
                number += 1
                yield number, body, raw

    def _split(self, piece: str, terminator: str) -> Iterator[tuple[str, str]]:
        if piece.endswith("\r"):
            body, ending = piece[:-1], "\r" + terminator
            if terminator:
                self.crlf += 1
        else:
            body, ending = piece, terminator
            if terminator:
                self.lf += 1
        lead = ""  # a byte order mark goes back in front of the first line
        if self.bom_pending:
            lead, self.bom_pending = self.bom, False
        if len(body) <= RECORD_LENGTH or is_blank(body[RECORD_LENGTH:]):
            yield body[:RECORD_LENGTH], lead + body + ending
            return
        last = (len(body) - 1) // RECORD_LENGTH * RECORD_LENGTH
        for start in range(0, last, RECORD_LENGTH):
            block = body[start : start + RECORD_LENGTH]
            yield block, lead + block
            lead = ""
        tail = body[last:]
        yield tail, tail + ending


def is_blank(body: str) -> bool:
    """Tell whether a line holds no record (empty, blanks, EOF marks)."""
    return not body.strip(_BLANK)
