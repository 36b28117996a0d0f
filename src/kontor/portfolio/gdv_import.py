"""The portfolio's GDV import: the nine visible steps of seed 001 and the work behind them.

Steps 1–3 read, check and map the file (a file error ends the run on −1, an unknown record
version on −2, before anything is loaded); step 4 writes the file's contracts to the run's item
list, visible from step 5 on; step 5 waits for the run window; steps 6–8 load customers,
contracts and line-of-business details, each in one transaction, following a plan made once in
step 6 (so a step run again after a crash does the same). The same file again changes nothing;
a contract delivered again with a younger validity date replaces the stored values.
"""

from __future__ import annotations

from kontor.exchange.pipeline import Pipeline, PipelineWork, Step
from kontor.portfolio import gdv_loading, gdv_reading

GDV_IMPORT = "portfolio.gdv_import"

STEPS = (
    Step(0, "uploaded", "Die Datei wurde hochgeladen und ist in unserem System angekommen"),
    Step(1, "checked", "Die Datei wird überprüft und in ein einheitliches Format umgewandelt"),
    Step(2, "validated", "Die enthaltenen Daten werden vereinheitlicht und fachlich überprüft"),
    Step(3, "mapped", "Die Daten werden auf interne Datenstrukturen angepasst"),
    Step(4, "read", "Die Kunden und Verträge werden gelesen"),
    Step(5, "waiting", "Die Daten warten auf den nächsten Importlauf und werden dann eingespielt"),
    Step(6, "customers", "Die Kunden werden in das System nacheinander eingespielt"),
    Step(7, "contracts", "Die Verträge werden in das System nacheinander eingespielt"),
    Step(8, "details", "Die Spartendaten werden in das System nacheinander eingespielt"),
    Step(9, "done", "Verarbeitung vollständig abgeschlossen"),
)
ERRORS = (
    Step(-1, "file_error", "Es ist ein Fehler aufgetreten"),
    Step(-2, "mapping_error", "Es ist ein Fehler im Datenmapping aufgetreten"),
)
GDV_PIPELINE = Pipeline(GDV_IMPORT, STEPS, ERRORS, gate=5)


def gdv_import(supported_lines: frozenset[str]) -> PipelineWork:
    """The GDV import pipeline loading contracts of ``supported_lines`` (GDV Sparten)."""
    reading = gdv_reading.Reading(supported_lines)
    return PipelineWork(
        GDV_PIPELINE,
        {
            1: reading.check_file,
            2: reading.validate,
            3: reading.map_contracts,
            4: reading.list_contracts,
            6: gdv_loading.load_customers,
            7: gdv_loading.load_contracts,
            8: gdv_loading.load_details,
        },
    )
