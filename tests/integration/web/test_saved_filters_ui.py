"""Saved filters on declared tables over HTTP on SQLite and PostgreSQL: nested AND/OR
conditions from the editor, saving the shown state, sharing with a group, deleting, and that
another's private filter and another tenant's are not found."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def admin(kontor: Kontor, tenant: str, login: str) -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=ADMINISTRATORS, login=login)


def task(client: TestClient, caller: Caller, name: str, priority: int) -> None:
    body = {"name": name, "assignee": caller.principal.user_id, "priority": priority}
    assert client.post("/api/tasks", json=body, headers=caller.headers).status_code == 201


def names(html: str) -> list[str]:
    return sorted(part.split('"')[0] for part in html.split('data-title="')[1:])


CONDITIONS = {
    "any": [
        {"all": [{"field": "name", "op": "contains", "value": "Prüfung"},
                 {"field": "priority", "op": "ge", "value": "50,5"}]},
        {"field": "name", "op": "eq", "value": "Rückfrage"},
    ]
}  # fmt: skip


def test_nested_conditions_filter_the_table_and_a_saved_filter_is_shared_with_a_group(
    kontor: Kontor, client: TestClient
) -> None:
    ina, kai = admin(kontor, "vers", "ina@vers.test"), admin(kontor, "vers", "kai@vers.test")
    for name, priority in (("Prüfung A", 5), ("Prüfung B", 100), ("Rückfrage", 1), ("Rest", 1)):
        task(client, ina, name, priority)
    query = {"f_list": "all", "cond": json.dumps(CONDITIONS)}
    shown = client.get("/tasks", params=query, headers=ina.headers)
    assert names(shown.text) == ["Prüfung B", "Rückfrage"]  # German number 50,5
    form = {**query, "name": "Wichtig", "shared_group": ADMINISTRATORS}
    saved = client.post("/tasks/saved-filters", data=form, headers=ina.headers)
    assert saved.status_code == 204
    target = saved.headers["HX-Redirect"]
    assert names(client.get(target + "&f_list=all", headers=ina.headers).text) == [
        "Prüfung B", "Rückfrage"
    ]  # fmt: skip
    seen_by_kai = client.get("/tasks?f_list=all", headers=kai.headers).text
    assert "Wichtig (geteilt mit administrators)" in seen_by_kai
    filter_id = target.split("saved=")[1]
    refused = client.post(f"/tasks/saved-filters/{filter_id}/delete", headers=kai.headers)
    assert refused.status_code == 403
    assert "Nur wer den Filter gespeichert hat, kann ihn löschen." in refused.text
    again = client.post("/tasks/saved-filters", data=form, headers=ina.headers)
    assert again.status_code == 409
    assert "Einen Filter dieses Namens gibt es schon." in again.text
    deleted = client.post(f"/tasks/saved-filters/{filter_id}/delete", headers=ina.headers)
    assert deleted.status_code == 204
    assert "Wichtig" not in client.get("/tasks", headers=kai.headers).text


def test_bad_conditions_and_foreign_filters_are_clear_refusals(
    kontor: Kontor, client: TestClient
) -> None:
    ina, other = admin(kontor, "vers", "ina@vers.test"), admin(kontor, "fremd", "o@fremd.test")
    private = {"name": "Privat", "cond": json.dumps({"all": [{"field": "name", "op": "eq",
               "value": "x"}]})}  # fmt: skip
    saved = client.post("/tasks/saved-filters", data=private, headers=ina.headers)
    filter_id = saved.headers["HX-Redirect"].split("saved=")[1]
    assert client.get(f"/tasks?saved={filter_id}", headers=other.headers).status_code == 404
    deleted = client.post(f"/tasks/saved-filters/{filter_id}/delete", headers=other.headers)
    assert deleted.status_code == 404
    wrong = json.dumps({"all": [{"field": "priority", "op": "ge", "value": "viel"}]})
    answer = client.get("/tasks", params={"cond": wrong}, headers=ina.headers)
    assert answer.status_code == 400
    assert "cond.all[0].value" in answer.text
    nothing = client.post("/tasks/saved-filters", data={"name": "Leer"}, headers=ina.headers)
    assert nothing.status_code == 422
    assert "Es gibt nichts zu speichern" in nothing.text
    elsewhere = client.get(f"/cases?saved={filter_id}", headers=ina.headers)
    assert elsewhere.status_code == 400  # a filter of the work list does not filter cases
