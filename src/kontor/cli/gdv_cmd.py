"""``kontor gdv``: check GDV files and print their records as JSON."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from kontor.cli.common import fail
from kontor.exchange.gdv import GdvFormatError, GdvReader, GdvWarning, read_records

app = typer.Typer(help="GDV VU-Format files: check and parse.", no_args_is_help=True)

FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A GDV file.")
]
EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="iso-8859-1, iso-8859-15, cp850 or utf-8 (default: detected)."),
]
MAX_WARNINGS_SHOWN = 1000


@app.command("check")
def check(
    file: FileArgument,
    encoding: EncodingOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on any warning.")] = False,
) -> None:
    """Print what a GDV file holds and every problem found, as JSON.

    Exit 1 when the file is not GDV at all (or, with --strict, when anything was found).
    """
    reader = _open(file, encoding)
    lines_per_satzart: Counter[str] = Counter()
    records_per_type: Counter[str] = Counter()
    contracts_per_sparte: Counter[str] = Counter()
    warnings: list[GdvWarning] = []
    warning_count = 0
    try:
        for record in reader:
            lines_per_satzart[record.satzart] += len(record.parts)
            records_per_type[record.record_type] += 1
            if record.satzart == "0200":
                contracts_per_sparte[_sparte_text(record.fields.get("sparte"))] += 1
            warning_count += len(record.warnings)
            room = MAX_WARNINGS_SHOWN - len(warnings)
            if room > 0:
                warnings.extend(record.warnings[:room])
    except GdvFormatError as error:
        fail(str(error), code=1)
    _write_json(
        {
            "file": str(file),
            "encoding": reader.encoding,
            "line_ending": reader.line_ending,
            "lines": reader.lines,
            "lines_per_satzart": dict(sorted(lines_per_satzart.items())),
            "records_per_record_type": dict(sorted(records_per_type.items())),
            "contracts_per_sparte": dict(sorted(contracts_per_sparte.items())),
            "packages": [package.to_json() for package in reader.packages],
            "warning_count": warning_count,
            "warnings": [warning.to_json() for warning in warnings],
        },
        indent=2,
    )
    if strict and warning_count:
        raise typer.Exit(1)


@app.command("parse")
def parse(
    file: FileArgument,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One JSON object per line (default: a JSON array).")
    ] = False,
    encoding: EncodingOption = None,
) -> None:
    """Print every logical record with named, typed fields (Decimal as text, dates ISO)."""
    reader = _open(file, encoding)
    first = True
    try:
        if not jsonl:
            _write_text("[\n")
        for record in reader:
            text = json.dumps(record.to_json(), ensure_ascii=False)
            if jsonl:
                _write_text(text + "\n")
            else:
                _write_text(("" if first else ",\n") + text)
            first = False
        if not jsonl:
            _write_text("\n]\n")
    except GdvFormatError as error:
        sys.stdout.flush()
        fail(str(error), code=1)


def _open(file: Path, encoding: str | None) -> GdvReader:
    try:
        return read_records(file, encoding=encoding)
    except GdvFormatError as error:
        fail(str(error), code=1)


def _sparte_text(value: Any) -> str:
    return f"{value:03d}" if isinstance(value, int) else "?"


def _write_json(value: Any, indent: int | None = None) -> None:
    _write_text(json.dumps(value, indent=indent, ensure_ascii=False) + "\n")


def _write_text(text: str) -> None:
    """Write UTF-8 to stdout; undecodable bytes of the file show as U+FFFD."""
    data = text.encode("utf-8", "replace")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
    else:
        sys.stdout.write(data.decode("utf-8"))
