"""The GDV import on SQLite and PostgreSQL: nine visible steps, errors with advice, merges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontor.exchange import LocalBlobStore, store_chunks
from kontor.exchange.gdv import read_records
from kontor.exchange.pipeline import PipelineRunner, Run, RunItems, RunStatus
from kontor.messaging import FakeClock, UnitOfWork
from kontor.portfolio import GDV_IMPORT, PortfolioStore, gdv_import
from kontor.portfolio.tables import contracts, customers
from support.backends import BACKENDS
from support.gdv_files import claims_only_file, household_file, sample_bytes

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

ALL_LINES = frozenset({"030", "040", "050", "130", "140"})
TENANT = "makler-a"


@pytest.fixture
def runner(engine: Engine, tmp_path: Path) -> PipelineRunner:
    return _runner(engine, tmp_path, ALL_LINES)


def _runner(engine: Engine, tmp_path: Path, lines: frozenset[str]) -> PipelineRunner:
    clock = FakeClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    runner = PipelineRunner(engine, clock, LocalBlobStore(tmp_path / "uploads"))
    runner.register(gdv_import(lines))
    return runner


def import_file(runner: PipelineRunner, content: bytes, name: str = "bestand.gdv") -> Run:
    """Upload ``content`` and run the import as far as it goes."""
    blob = store_chunks(runner.blobs, [content], limit=30 * 1024 * 1024)
    with UnitOfWork(runner.engine, runner.clock) as uow:
        run = runner.submit(uow, TENANT, GDV_IMPORT, blob, name, "user-1")
        uow.commit()
    finished = runner.run_one(run.run_id)
    assert finished is not None
    return finished


def portfolio_counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        held = [
            connection.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == TENANT)
            ).scalar_one()
            for table in (customers, contracts)
        ]
    return held[0], held[1]


def test_the_gdv_sample_reaches_step_9_with_hand_checked_counts(runner: PipelineRunner) -> None:
    seen: list[int] = []
    blob = store_chunks(runner.blobs, [sample_bytes()], limit=30 * 1024 * 1024)
    with UnitOfWork(runner.engine, runner.clock) as uow:
        run = runner.submit(uow, TENANT, GDV_IMPORT, blob, "musterdatei_041222.gdv", "user-1")
        uow.commit()
    done = runner.run_one(run.run_id, progress=lambda r: seen.append(r.step_number))
    assert done is not None
    assert (done.status, done.step_number, done.step_name) == (RunStatus.DONE, 9, "done")
    assert seen == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    # 165 lines: Vorsatz, 14 contracts (4 Unfall, 5 Haftpflicht, 4 Kfz, 1 bundle), Nachsatz;
    # 10 policyholders (Fresy holds all five Haftpflicht contracts)
    counts = done.counts
    assert counts["records"] == sum(1 for _ in read_records(sample_bytes()))  # as grouped
    assert (counts["contracts"], counts["skipped"]) == (14, 0)
    assert (counts["customers_created"], counts["contracts_created"]) == (10, 14)
    assert counts["details_loaded"] == 14
    assert portfolio_counts(runner.engine) == (10, 14)
    assert done.warnings
    assert all(isinstance(w["line"], int) for w in done.warnings)
    with UnitOfWork(runner.engine, runner.clock, writes=False) as uow:
        store = PortfolioStore(uow.connection, TENANT)
        page = store.contracts.page(100)
        motor = next(c for c in page.items if c.policy_number == "59999999990")
    assert motor.line_of_business_code == "050"
    assert motor.details is not None
    assert motor.details.registration == "K-WB 4444"  # type: ignore[union-attr]
    assert str(motor.annual_premium_gross) == "1107.95"


def test_the_same_file_again_changes_nothing_and_the_report_says_so(
    runner: PipelineRunner,
) -> None:
    first = import_file(runner, sample_bytes())
    before = _portfolio_rows(runner.engine)
    again = import_file(runner, sample_bytes())
    assert again.status is RunStatus.DONE
    assert _portfolio_rows(runner.engine) == before
    assert (again.counts["contracts_created"], again.counts["contracts_updated"]) == (0, 0)
    assert again.counts["contracts_unchanged"] == again.counts["merged"] == 14
    assert {m["outcome"] for m in again.report["merges"]} == {"unchanged"}
    assert first.counts["merged"] == 0


def test_a_file_with_a_younger_validity_date_wins_and_the_report_names_the_merges(
    runner: PipelineRunner,
) -> None:
    import_file(runner, household_file(dt.date(2026, 1, 1), premium="120.00", risk_text="FE"))
    newer = import_file(
        runner, household_file(dt.date(2026, 6, 1), premium="150.00", risk_text="FELS")
    )
    assert newer.status is RunStatus.DONE
    assert (newer.counts["contracts_updated"], newer.counts["contracts_created"]) == (2, 0)
    assert [(m["policy_number"], m["outcome"], m["stored_validity_date"],
             m["file_validity_date"]) for m in newer.report["merges"]] == [
        ("HR-1", "update", "2026-01-01", "2026-06-01"),
        ("HR-2", "update", "2026-01-01", "2026-06-01"),
    ]  # fmt: skip
    older = import_file(runner, household_file(dt.date(2025, 1, 1), premium="99.00"))
    assert {m["outcome"] for m in older.report["merges"]} == {"kept"}
    assert portfolio_counts(runner.engine) == (2, 2)
    with UnitOfWork(runner.engine, runner.clock, writes=False) as uow:
        stored = PortfolioStore(uow.connection, TENANT).contracts.page(10).items
    assert {str(c.annual_premium_net) for c in stored} == {"150.00"}
    assert {c.validity_date for c in stored} == {dt.date(2026, 6, 1)}
    perils = {"".join(sorted(c.details.risk_text)) for c in stored if c.details}  # type: ignore[union-attr]
    assert perils == {"EFLS"}


def test_a_file_of_claims_records_only_ends_on_minus_1_with_advice_and_loads_nothing(
    runner: PipelineRunner,
) -> None:
    failed = import_file(runner, claims_only_file())
    assert (failed.status, failed.step_number, failed.step_name) == (
        RunStatus.FAILED, -1, "file_error"
    )  # fmt: skip
    assert failed.error_code == "portfolio.gdv.not_portfolio_data"
    assert "0500" in (failed.error_message or "")
    assert "Bestandsdatei" in (failed.error_suggestion or "")
    assert portfolio_counts(runner.engine) == (0, 0)
    assert failed.blob_key is None


@pytest.mark.parametrize(
    ("name", "content", "code", "advice"),
    [
        ("bestand.txt", b"", "portfolio.gdv.wrong_file_ending", "Benennen Sie die Datei"),
        ("bestand.zip", b"PK\x03\x04rest", "portfolio.gdv.zip_archive", "Entpacken"),
        ("bestand.gdv", b"PK\x03\x04rest", "portfolio.gdv.zip_archive", "Entpacken"),
        ("bestand.gdv", b"hello world\n", "portfolio.gdv.not_gdv", "GDV-Bestandsdatei"),
    ],
)
def test_files_that_are_no_gdv_files_end_on_minus_1_naming_cause_and_remedy(
    runner: PipelineRunner, name: str, content: bytes, code: str, advice: str
) -> None:
    failed = import_file(runner, content or household_file(dt.date(2026, 1, 1)), name)
    assert (failed.status, failed.step_number, failed.error_code) == (RunStatus.FAILED, -1, code)
    assert advice in (failed.error_suggestion or "")


def test_an_unknown_record_version_ends_on_minus_2(runner: PipelineRunner) -> None:
    content = household_file(dt.date(2026, 1, 1))
    vorsatz, rest = content.split(b"\n", 1)
    position = vorsatz.index(b"1.8")  # the version the Vorsatz declares for 0210.130
    newer = vorsatz[:position] + b"9.9" + vorsatz[position + 3 :]
    failed = import_file(runner, newer + b"\n" + rest)
    assert (failed.status, failed.step_number, failed.step_name) == (
        RunStatus.FAILED, -2, "mapping_error"
    )  # fmt: skip
    assert "9.9" in (failed.error_message or "")
    assert "Formatversion" in (failed.error_suggestion or "")
    assert portfolio_counts(runner.engine) == (0, 0)


def test_contracts_of_unsupported_lines_are_skipped_with_their_reason_and_listed(
    engine: Engine, tmp_path: Path
) -> None:
    runner = _runner(engine, tmp_path, frozenset({"030", "040", "130"}))
    done = import_file(runner, sample_bytes())
    assert done.status is RunStatus.DONE
    assert done.counts["skipped"] == 4
    assert {s["line_of_business_code"] for s in done.report["skipped"]} == {"050"}
    assert all("Sparte 050 (Kfz) wird nicht unterstützt" in s["reason"]
               for s in done.report["skipped"])  # fmt: skip
    assert portfolio_counts(engine)[1] == 10
    with UnitOfWork(engine, runner.clock, writes=False) as uow:
        items = RunItems(uow.connection, TENANT).page(done.run_id, limit=100)
    assert len(items) == 14
    assert sum(item.outcome == "skipped" for item in items) == 4


def _portfolio_rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return [
            sorted(tuple(row) for row in connection.execute(select(table)))
            for table in (customers, contracts)
        ]
