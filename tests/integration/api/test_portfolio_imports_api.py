"""The GDV import API: upload (streamed, size-limited), runs with step k/9, report, contracts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.exchange.pipeline import exchange_runs
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, TenantKind
from kontor.platform.audit import every_entry
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.gdv_files import sample_bytes
from support.identity import Caller, api_caller
from support.messaging import wait_for

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
IMPORTS = "/api/portfolio/imports"
LIMIT = 64 * 1024


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests",
                        data_dir=tmp_path, import_max_bytes=LIMIT)  # fmt: skip
    return bootstrap(settings, engine=engine, clock=FakeClock())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


@pytest.fixture
def broker(kontor: Kontor) -> Caller:
    return api_caller(kontor, "makler", kind=TenantKind.BROKER, group=BROKERS)


def _stored_files(kontor: Kontor) -> list[Path]:
    uploads = kontor.settings.data_dir / "uploads"
    return sorted(uploads.iterdir()) if uploads.exists() else []


def _runs(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(exchange_runs)).scalar_one()


def test_an_uploaded_file_is_watched_from_step_0_to_9_with_report_and_contracts(
    kontor: Kontor, client: TestClient, broker: Caller
) -> None:
    files = {"file": ("musterdatei.gdv", sample_bytes(), "application/octet-stream")}
    answer = client.post(IMPORTS, files=files, headers=broker.headers)
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert (run["step"], run["steps"], run["status"]) == (0, 9, "waiting")
    assert run["step_text"].startswith("Schritt 0/9: Die Datei wurde hochgeladen")
    assert run["size_bytes"] == len(sample_bytes())
    assert client.get(f"{IMPORTS}/{run['run_id']}/contracts", headers=broker.headers).json() == []
    assert kontor.imports is not None
    kontor.imports.run_until_idle()
    [listed] = client.get(IMPORTS, headers=broker.headers).json()
    assert (listed["step"], listed["status"], listed["counts"]["contracts_created"]) == (
        9,
        "done",
        14,
    )
    assert listed["step_text"] == "Schritt 9/9: Verarbeitung vollständig abgeschlossen"
    report = client.get(f"{IMPORTS}/{run['run_id']}", headers=broker.headers).json()
    assert report["warnings"][0]["line"] >= 1
    assert report["report"]["merges"] == []
    contracts = client.get(f"{IMPORTS}/{run['run_id']}/contracts", headers=broker.headers).json()
    assert len(contracts) == 14
    assert contracts[0]["policy_number"] == "59999999999"
    assert contracts[0]["contract"]["line_of_business"] == "Unfall"
    assert _stored_files(kontor) == []  # the file is let go once the run is done
    with kontor.engine.connect() as connection:
        audited = connection.execute(
            select(AUDIT_LOG.c.action, AUDIT_LOG.c.actor)
            .where(AUDIT_LOG.c.entity_id == run["run_id"])
            .order_by(AUDIT_LOG.c.entry_id)
        ).all()
    steps = ["checked", "validated", "mapped", "read", "waiting", "customers", "contracts",
             "details"]  # fmt: skip
    assert [action for action, _ in audited] == [
        "exchange.run.submitted", *(f"portfolio.gdv_import.{step}" for step in steps)
    ]  # fmt: skip
    assert {actor for _, actor in audited} == {broker.principal.user_id}


def test_a_raw_body_is_named_by_the_query_and_a_wrong_ending_fails_on_minus_1(
    kontor: Kontor, client: TestClient, broker: Caller
) -> None:
    answer = client.post(f"{IMPORTS}?file_name=C:\\export\\bestand.txt", content=sample_bytes(),
                         headers=broker.headers)  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["file_name"] == "bestand.txt"
    assert kontor.imports is not None
    kontor.imports.run_until_idle()
    failed = client.get(f"{IMPORTS}/{answer.json()['run_id']}", headers=broker.headers).json()
    assert (failed["step"], failed["status"]) == (-1, "failed")
    assert failed["step_text"] == "Schritt -1/9: Es ist ein Fehler aufgetreten"
    assert failed["error"]["code"] == "portfolio.gdv.wrong_file_ending"
    assert ".gdv" in failed["error"]["suggestion"]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_upload_over_the_limit_is_413_naming_it_and_nothing_is_stored(
    kontor: Kontor, client: TestClient, broker: Caller, engine: Engine, declared: bool
) -> None:
    too_big = b"0" * (LIMIT + FORM_SLACK + 1)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(too_big), 8192):
            yield too_big[start : start + 8192]

    body = too_big if declared else chunks()
    answer = client.post(f"{IMPORTS}?file_name=gross.gdv", content=body, headers=broker.headers)
    assert answer.status_code == 413, answer.text
    problem = answer.json()
    assert problem["code"] == "exchange.file_too_large"
    assert problem["limit_bytes"] == LIMIT
    assert str(LIMIT) in problem["detail"]
    assert _stored_files(kontor) == []
    assert _runs(engine) == 0


def test_a_multipart_file_over_the_limit_is_refused_while_it_streams(
    kontor: Kontor, client: TestClient, broker: Caller, engine: Engine
) -> None:
    files = {"file": ("gross.gdv", b"1" * (LIMIT + 1), "application/octet-stream")}
    answer = client.post(IMPORTS, files=files, headers=broker.headers)
    assert answer.status_code == 413
    assert answer.json()["limit_bytes"] == LIMIT
    assert _stored_files(kontor) == []
    assert _runs(engine) == 0


def test_a_form_without_a_file_is_refused_naming_the_field(
    client: TestClient, broker: Caller
) -> None:
    answer = client.post(IMPORTS, data={"note": "no file"}, files={"x": ("", b"")},
                         headers=broker.headers)  # fmt: skip
    assert answer.status_code == 422
    assert "file" in answer.text


FORM_SLACK = 64 * 1024


def test_the_background_runner_of_a_started_kontor_takes_uploads_up(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests",
                        data_dir=tmp_path, import_poll_seconds=0.05)  # fmt: skip
    kontor = bootstrap(settings, engine=engine)
    broker = api_caller(kontor, "makler", kind=TenantKind.BROKER, group=BROKERS)
    kontor.start()
    try:
        with TestClient(create_app(settings, kontor)) as client:
            files = {"file": ("musterdatei.gdv", sample_bytes())}
            run = client.post(IMPORTS, files=files, headers=broker.headers).json()

            def done() -> bool:
                shown = client.get(f"{IMPORTS}/{run['run_id']}", headers=broker.headers).json()
                return bool(shown["status"] == "done")

            wait_for(done, "the background runner to finish the import")
    finally:
        kontor.stop()
