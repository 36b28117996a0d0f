"""GDV VU-Format (Bestandsdaten): streaming reader and writer.

Public names (stable; other components build on them)::

    from kontor.exchange.gdv import (
        read_records, GdvReader, GdvRecord, GdvWarning, GdvFormatError, PartialDate,
        write_records, new_record, GdvFileBuilder,
    )

Reading — ``read_records(source, encoding=None)`` takes a path, bytes or a binary stream and
returns a ``GdvReader``: an iterator of ``GdvRecord`` in constant memory. A record is one
logical record (all its Teildatensätze): ``record_type`` (``"0200"``, ``"0210.130"``,
``"0220.010.13.1"``), ``satzart``, ``sparte``, ``fields`` (snake_case key → ``str`` | ``int``
| ``Decimal`` | ``datetime.date`` | ``PartialDate`` | ``None``; signs applied), ``line``,
``parts``, ``package`` and ``warnings`` (``GdvWarning``: code, message, line, record_type,
field). After iterating, ``reader.encoding``, ``reader.line_ending`` and ``reader.packages``
(``PackageSummary`` with the Nachsatz checks) describe the file. Only a file that is not GDV at
all raises ``GdvFormatError`` (line, record_type, field); everything else is a warning.

Writing — ``write_records(records, stream=None)`` writes records back; records read from a
file come out byte for byte as read. New files::

    builder = GdvFileBuilder(vu_nr="9999", absender="Muster AG", adressat="Makler",
                             erstellt=date(2026, 12, 1), vermittler="0815")
    builder.add("0100", vs_nr="HR-1", name1="Muster", name3="Erika",
                geburtsdatum=date(1980, 1, 31))
    builder.add("0200", sparte=130, vs_nr="HR-1", vertragsbeginn=date(2024, 1, 1),
                gesbeitrag_netto_in_we=Decimal("120.00"))
    builder.add("0210.130", vs_nr="HR-1", versicherte_gefahren="FELS")
    builder.add("0220.130", vs_nr="HR-1")
    data: bytes = builder.to_bytes()   # Vorsatz (with versions) … Nachsatz (count, sum)

``new_record(record_type, fields)`` builds a single record; field keys are those the reader
yields for that record type (see ``kontor gdv parse --jsonl`` or the layout data in
``layouts/``).
"""

from kontor.exchange.gdv.errors import GdvFormatError, GdvWarning
from kontor.exchange.gdv.packages import PackageSummary
from kontor.exchange.gdv.reader import GdvReader, read_records
from kontor.exchange.gdv.record import GdvRecord
from kontor.exchange.gdv.values import GdvValue, PartialDate
from kontor.exchange.gdv.writer import GdvFileBuilder, new_record, render_record, write_records

__all__ = [
    "GdvFileBuilder",
    "GdvFormatError",
    "GdvReader",
    "GdvRecord",
    "GdvValue",
    "GdvWarning",
    "PackageSummary",
    "PartialDate",
    "new_record",
    "read_records",
    "render_record",
    "write_records",
]
