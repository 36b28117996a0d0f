"""Links: underwriters upload PDFs, their brokers list and download them, nobody else sees them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on
from support.transfer import INSIDE_WINDOW, insurer_with_broker, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
DOCS = "/api/apps/links/documents"
LIMIT = 4096
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    return kontor_on(engine, FakeClock(INSIDE_WINDOW), data_dir=tmp_path, links_max_bytes=LIMIT)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def upload(
    client: TestClient, caller: Caller, content: bytes, title: str = "Produktinformation Hausrat",
    category: str = "product", name: str = "Hausrat-Übersicht.pdf",
) -> Any:  # fmt: skip
    """Upload ``content`` as a Links document; the response."""
    return client.post(
        DOCS, headers=caller.headers, data={"title": title, "category": category},
        files={"file": (name, content, "application/pdf")},
    )  # fmt: skip


def stored_files(kontor: Kontor) -> list[Path]:
    """The PDFs kept on disk."""
    folder = kontor.settings.data_dir / "links"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_underwriters_provide_pdfs_their_brokers_read_them(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    created = upload(client, world.underwriter, PDF)
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["category_label"] == "Produktunterlagen"
    assert document["file_name"] == "Hausrat-Übersicht.pdf"
    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(minutes=1))
    upload(client, world.underwriter, PDF, "AVB 2026", "contract", "avb.pdf")

    listed = client.get(DOCS, headers=world.broker.headers).json()["items"]
    assert [d["title"] for d in listed] == ["AVB 2026", "Produktinformation Hausrat"]
    pdf = client.get(f"{DOCS}/{document['document_id']}/content", headers=world.broker.headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == PDF
    assert "Hausrat-%C3%9Cbersicht.pdf" in pdf.headers["content-disposition"]

    sub_broker = insurer_with_broker(kontor, "makler-a-sub", insurer="makler-a")
    assert len(client.get(DOCS, headers=sub_broker.headers).json()["items"]) == 2

    api_caller(kontor, "versicherer-2", kind=TenantKind.INSURER, group=UNDERWRITERS)
    stranger = insurer_with_broker(kontor, "makler-x", insurer="versicherer-2")
    assert client.get(DOCS, headers=stranger.headers).json() == {"items": []}
    url = f"{DOCS}/{document['document_id']}/content"
    assert client.get(url, headers=stranger.headers).status_code == 404
    other_uw = api_caller(kontor, "versicherer-2", kind=TenantKind.INSURER, group=UNDERWRITERS,
                          login="olga@v2.test")  # fmt: skip
    assert client.get(url, headers=other_uw.headers).status_code == 404
    gone = client.delete(f"{DOCS}/{document['document_id']}", headers=other_uw.headers)
    assert gone.status_code == 404

    assert upload(client, world.broker, PDF).status_code == 403
    refused = client.delete(f"{DOCS}/{document['document_id']}", headers=world.broker.headers)
    assert refused.status_code == 403
    assert len(stored_files(kontor)) == 2
    removed = client.delete(f"{DOCS}/{document['document_id']}", headers=world.underwriter.headers)
    assert removed.status_code == 204
    assert client.get(url, headers=world.broker.headers).status_code == 404
    assert len(stored_files(kontor)) == 1


def test_only_pdfs_within_the_limit_with_title_and_kind_are_kept(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter
    not_pdf = upload(client, uw, b"MZ\x90\x00 not a pdf")
    assert (not_pdf.status_code, not_pdf.json()["field"]) == (422, "file")
    too_big = upload(client, uw, PDF + b"0" * LIMIT)
    assert too_big.status_code == 413
    no_title = upload(client, uw, PDF, title=" ")
    assert (no_title.status_code, no_title.json()["field"]) == (422, "title")
    bad_kind = upload(client, uw, PDF, category="flyer")
    assert (bad_kind.status_code, bad_kind.json()["field"]) == (422, "category")
    assert client.get(DOCS, headers=uw.headers).json() == {"items": []}
    assert stored_files(kontor) == []
    broker = api_caller(kontor, "makler-a", kind=TenantKind.BROKER, group=BROKERS,
                        login="bea@makler-a.test")  # fmt: skip
    assert client.get(DOCS, headers=broker.headers).json() == {"items": []}
