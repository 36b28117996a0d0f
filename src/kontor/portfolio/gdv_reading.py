"""Steps 1–4 of the GDV import: check the file, validate, map, list the file's contracts.

Nothing of the portfolio is written here; a file that fails ends the run on −1 or −2 with the
cause and what to do. The file is read in one pass; a run resumed in these steps reads it again.
"""

from __future__ import annotations

from typing import Any

from kontor.exchange.gdv import GdvFormatError, read_records
from kontor.exchange.pipeline import RunFailed, RunItem, RunItems, StepContext
from kontor.portfolio.gdv_mapping import (
    FILE_ERROR,
    FileContract,
    FileReading,
    check_portfolio_data,
    read_file,
)

ENDING = ".gdv"
ZIP_MAGIC = b"PK\x03\x04"
MAX_LISTED = 1000
"""Skipped contracts the report lists by name; the counts include every one."""
ACCEPTED, SKIPPED = "accepted", "skipped"


class Reading:
    """The reading steps for the lines of business the portfolio loads."""

    def __init__(self, supported_lines: frozenset[str]) -> None:
        self.supported = supported_lines

    def check_file(self, context: StepContext) -> None:
        """Step 1: a ``.gdv`` file that reads as GDV data and holds portfolio records."""
        name = context.run.file_name
        with context.open_file() as file:
            head = file.read(4)
        if head == ZIP_MAGIC or name.lower().endswith(".zip"):
            raise RunFailed(
                FILE_ERROR,
                "portfolio.gdv.zip_archive",
                f"Die Datei {name!r} ist ein ZIP-Archiv, keine GDV-Datei.",
                "Entpacken Sie das Archiv und laden Sie die enthaltenen .gdv-Dateien einzeln hoch.",
            )
        if not name.lower().endswith(ENDING):
            raise RunFailed(
                FILE_ERROR,
                "portfolio.gdv.wrong_file_ending",
                f"Die Datei {name!r} hat nicht die Endung .gdv; verarbeitet werden nur "
                ".gdv-Dateien.",
                "Benennen Sie die Datei in „….gdv“ um (ist es ein ZIP-Archiv, entpacken Sie es "
                "zuerst) und laden Sie sie erneut hoch.",
            )
        reading = self._reading(context)
        check_portfolio_data(reading.satzarten)
        context.counts.update(records=reading.records, packages=reading.packages)
        context.report["satzarten"] = dict(sorted(reading.satzarten.items()))

    def validate(self, context: StepContext) -> None:
        """Step 2: the reader's findings become the run's warnings, with line numbers."""
        reading = self._reading(context)
        for line, message in reading.warnings:
            context.warn(message, line=line)
        context.counts["warnings"] = len(reading.warnings)

    def map_contracts(self, context: StepContext) -> None:
        """Step 3: contracts mapped; an unknown record version ends the run on −2."""
        reading = self._reading(context)
        if reading.version_problem is not None:
            raise reading.version_problem
        skipped = [c for c in reading.contracts if c.skip_reason is not None]
        context.counts.update(contracts=len(reading.contracts), skipped=len(skipped))
        context.report["skipped"] = [
            {
                "line": contract.line,
                "policy_number": contract.policy_number,
                "line_of_business_code": contract.line_of_business_code,
                "reason": contract.skip_reason,
            }
            for contract in skipped[:MAX_LISTED]
        ]
        for contract in skipped:
            context.warn(
                f"Vertrag {contract.policy_number} übersprungen: {contract.skip_reason}",
                line=contract.line,
            )

    def list_contracts(self, context: StepContext) -> None:
        """Step 4: the file's contracts become the run's item list (shown from step 5 on)."""
        reading = self._reading(context)
        items = [_item(number, contract) for number, contract in enumerate(reading.contracts, 1)]
        RunItems(context.uow.connection, context.run.tenant_id).replace(context.run.run_id, items)
        customers = {c.merge_key.rsplit("|", 3)[0] for c in reading.contracts if c.merge_key}
        context.counts.update(customers_in_file=len(customers))
        context.scratch.pop("reading", None)  # the item list holds what the next steps need

    def _reading(self, context: StepContext) -> FileReading:
        cached = context.scratch.get("reading")
        if isinstance(cached, FileReading):
            return cached
        try:
            with context.open_file() as file:
                reading = read_file(read_records(file), self.supported)
        except GdvFormatError as error:
            raise RunFailed(
                FILE_ERROR,
                "portfolio.gdv.not_gdv",
                f"Die Datei ist keine lesbare GDV-Datei: {error}",
                "Prüfen Sie, ob es wirklich die GDV-Bestandsdatei Ihres Versicherers ist "
                "(Textdatei mit Sätzen zu 256 Zeichen, beginnend mit dem Vorsatz 0001).",
            ) from error
        context.scratch["reading"] = reading
        return reading


def _item(number: int, contract: FileContract) -> RunItem:
    data: dict[str, Any] = {
        **contract.summary,
        "load": None
        if contract.skip_reason
        else {
            "customer": contract.customer,
            "contract": contract.contract,
            "details": contract.details,
            "merge_key": contract.merge_key,
        },
    }
    return RunItem(
        item_no=number,
        kind="contract",
        item_key=contract.policy_number,
        line=contract.line,
        outcome=SKIPPED if contract.skip_reason else ACCEPTED,
        reason=contract.skip_reason,
        data=data,
    )
