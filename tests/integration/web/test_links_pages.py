"""The Links app's pages over HTTP: the tile for both sides, upload, a row opening its PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import api_caller
from support.kontor_app import app_client, kontor_on
from support.transfer import INSIDE_WINDOW, insurer_with_broker, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
APP = "/apps/links"
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    return kontor_on(engine, FakeClock(INSIDE_WINDOW), data_dir=tmp_path)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def test_underwriter_uploads_on_the_page_broker_opens_the_pdf(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw, broker = world.underwriter.headers, world.broker.headers
    for headers in (uw, broker):
        assert 'href="/apps/links"' in client.get("/", headers=headers).text
    assert "Dokument hochladen" in client.get(APP, headers=uw).text
    assert "Dokument hochladen" not in client.get(APP, headers=broker).text
    assert client.get(f"{APP}/upload", headers=broker).status_code == 403

    done = client.post(
        f"{APP}/upload", headers=uw, data={"title": "Flyer Hausrat", "category": "marketing"},
        files={"file": ("flyer.pdf", PDF, "application/pdf")},
    )  # fmt: skip
    assert done.status_code == 200
    assert "Hochgeladen: Flyer Hausrat (flyer.pdf)" in done.text
    refused = client.post(
        f"{APP}/upload", headers=uw, data={"title": "Bild", "category": "marketing"},
        files={"file": ("bild.png", b"\x89PNG....", "image/png")},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "kein PDF-Dokument" in refused.text

    table = client.get(f"{APP}/documents", headers=broker).text
    assert "Flyer Hausrat" in table
    assert "Marketingunterlagen" in table
    document_id = client.get("/api/apps/links/documents", headers=broker).json()["items"][0][
        "document_id"
    ]
    assert f"{APP}/documents/{document_id}/pdf" in table
    pdf = client.get(f"{APP}/documents/{document_id}/pdf", headers=broker)
    assert (pdf.status_code, pdf.content) == (200, PDF)
    api_caller(kontor, "versicherer-z", kind=TenantKind.INSURER, group=UNDERWRITERS)
    stranger = insurer_with_broker(kontor, "makler-z", insurer="versicherer-z")
    foreign = client.get(f"{APP}/documents/{document_id}/pdf", headers=stranger.headers)
    assert foreign.status_code == 404
    assert "Flyer Hausrat" not in client.get(f"{APP}/documents", headers=stranger.headers).text

    not_allowed = client.post(
        f"{APP}/documents/actions", headers=broker, data={"action": "remove", "ids": [document_id]}
    )
    assert not_allowed.status_code == 403
    removed = client.post(
        f"{APP}/documents/actions", headers=uw, data={"action": "remove", "ids": [document_id]}
    )
    assert "Erledigt." in removed.text
    assert "Flyer Hausrat" not in client.get(f"{APP}/documents", headers=broker).text
