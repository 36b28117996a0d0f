"""The portfolio API: customers with bank accounts, contracts with claims, claims ratios."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import simplejson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, BROKERS, TenantKind
from kontor.platform.audit import every_entry
from kontor.portfolio import copy_contract
from kontor.portfolio.tables import TABLES
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on
from support.portfolio import CUSTOMER, HOUSEHOLD, IBAN, NOW

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
BASE = "/api/portfolio"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


@pytest.fixture
def broker(kontor: Kontor) -> Caller:
    return api_caller(kontor, "makler", kind=TenantKind.BROKER, group=BROKERS)


def _json(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True)


def _post(client: TestClient, caller: Caller, path: str, body: Any) -> dict[str, Any]:
    response = client.post(
        f"{BASE}{path}", content=_json(body),
        headers=caller.headers | {"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    answered: dict[str, Any] = simplejson.loads(response.text, use_decimal=True)
    return answered


def _contract(client: TestClient, caller: Caller, **changes: Any) -> dict[str, Any]:
    customer = _post(client, caller, "/customers", CUSTOMER)
    return _post(client, caller, "/contracts", HOUSEHOLD | {"customer_id": customer["customer_id"]}
                 | changes)  # fmt: skip


def test_a_broker_keeps_a_household_contract_with_exact_money(
    client: TestClient, broker: Caller
) -> None:
    contract = _contract(client, broker)
    shown = simplejson.loads(
        client.get(f"{BASE}/contracts/{contract['contract_id']}", headers=broker.headers).text,
        use_decimal=True,
    )
    assert shown == contract
    assert shown["annual_premium_gross"] == Decimal("189.37")
    assert (shown["line_of_business"], shown["line_of_business_label"]) == ("household", "Hausrat")
    assert shown["details"]["risk_text"] == "EFLSU"
    assert shown["details"]["sum_insured"] == Decimal("65000.00")
    assert (shown["version"], shown["origin"], shown["claims"]) == (1, None, [])


def test_bad_input_names_the_field_and_writes_nothing(client: TestClient, broker: Caller) -> None:
    customer = _post(client, broker, "/customers", CUSTOMER)
    wrong = HOUSEHOLD | {"customer_id": customer["customer_id"],
                         "details": {"kind": "household", "risk_text": "FEQ"}}  # fmt: skip
    response = client.post(
        f"{BASE}/contracts",
        content=_json(wrong),
        headers=broker.headers | {"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "details.risk_text"
    iban = client.post(
        f"{BASE}/customers/{customer['customer_id']}/bank-accounts",
        json={"iban": "DE00 3704 0044 0532 0130 00"},
        headers=broker.headers,
    )
    assert (iban.status_code, iban.json()["field"]) == (422, "iban")
    assert client.get(f"{BASE}/contracts", headers=broker.headers).json()["items"] == []


def test_a_change_needs_the_current_version(client: TestClient, broker: Caller) -> None:
    contract = _contract(client, broker)
    url = f"{BASE}/contracts/{contract['contract_id']}"
    changed = client.patch(url, json={"version": 1, "remarks": "Kunde zieht um"},
                           headers=broker.headers)  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert (changed.json()["remarks"], changed.json()["version"]) == ("Kunde zieht um", 2)
    assert changed.json()["policy_number"] == "HR-4711"  # fields left out stay
    stale = client.patch(url, json={"version": 1, "remarks": "x"}, headers=broker.headers)
    assert (stale.status_code, stale.json()["code"]) == (409, "portfolio.concurrent_change")
    unknown = client.patch(url, json={"version": 2, "colour": "red"}, headers=broker.headers)
    assert (unknown.status_code, unknown.json()["field"]) == (422, "colour")
    assert client.get(url, headers=broker.headers).json()["remarks"] == "Kunde zieht um"


def test_lists_filter_search_and_page(client: TestClient, broker: Caller) -> None:
    first = _contract(client, broker)
    _contract(client, broker, policy_number="WG-1", line_of_business_code="140",
              details={"kind": "residential_building", "value_1914": "23500"})  # fmt: skip
    contracts = f"{BASE}/contracts"
    page = client.get(contracts, params={"limit": 1}, headers=broker.headers).json()
    assert [c["contract_id"] for c in page["items"]] == [first["contract_id"]]
    rest = client.get(contracts, params={"limit": 1, "after": page["next_cursor"]},
                      headers=broker.headers).json()  # fmt: skip
    assert ([c["policy_number"] for c in rest["items"]], rest["next_cursor"]) == (["WG-1"], None)
    by_line = client.get(contracts, params={"line_of_business_code": "140"}, headers=broker.headers)
    assert [c["policy_number"] for c in by_line.json()["items"]] == ["WG-1"]
    by_text = client.get(contracts, params={"q": "hr-47"}, headers=broker.headers)
    assert [c["policy_number"] for c in by_text.json()["items"]] == ["HR-4711"]
    people = client.get(f"{BASE}/customers", params={"q": "MUELLER"}, headers=broker.headers)
    assert len(people.json()["items"]) == 2


def test_bank_accounts_and_claims_hang_under_their_parents(
    client: TestClient, broker: Caller
) -> None:
    contract = _contract(client, broker)
    customer_url = f"{BASE}/customers/{contract['customer_id']}"
    account = _post(
        client,
        broker,
        f"/customers/{contract['customer_id']}/bank-accounts",
        {"iban": IBAN, "holder": "Anna Müller", "mandate_reference": "M-1"},
    )
    assert (account["iban"], account["bic"]) == ("DE89370400440532013000", "COBADEFFXXX")
    assert client.get(customer_url, headers=broker.headers).json()["bank_accounts"] == [account]
    claim = _post(client, broker, f"/contracts/{contract['contract_id']}/claims",
                  {"occurred_on": "2025-07-14", "cause": "Sturm",
                   "amount_paid": Decimal("1234.50")})  # fmt: skip
    assert claim["amount_paid"] == Decimal("1234.50")
    other = _contract(client, broker, policy_number="HR-2")
    wrong_parent = f"{BASE}/contracts/{other['contract_id']}/claims/{claim['claim_id']}"
    assert client.get(wrong_parent, headers=broker.headers).status_code == 404
    in_use = client.delete(customer_url, headers=broker.headers)
    assert (in_use.status_code, in_use.json()["code"]) == (409, "portfolio.in_use")
    contract_url = f"{BASE}/contracts/{contract['contract_id']}"
    assert client.delete(contract_url, headers=broker.headers).status_code == 204
    assert client.get(contract_url, headers=broker.headers).status_code == 404
    assert client.delete(customer_url, headers=broker.headers).status_code == 204


def test_claims_ratios_stand_alone_or_per_contract(client: TestClient, broker: Caller) -> None:
    ratio = _post(client, broker, "/claims-ratios", {
        "scope": "line_of_business", "line_of_business_code": "130",
        "period_start": "2025-01-01", "period_end": "2025-12-31", "ratio": Decimal("0.6519"),
        "claims_expenses": Decimal("6519.00"), "premium": Decimal("10000.00"),
    })  # fmt: skip
    assert ratio["ratio"] == Decimal("0.6519")
    foreign = client.post(f"{BASE}/claims-ratios", json={
        "scope": "contract", "contract_id": "not-mine", "period_start": "2025-01-01",
        "period_end": "2025-12-31", "ratio": 1,
    }, headers=broker.headers)  # fmt: skip
    assert (foreign.status_code, foreign.json()["field"]) == (422, "contract_id")
    listed = client.get(f"{BASE}/claims-ratios", params={"scope": "line_of_business"},
                        headers=broker.headers).json()  # fmt: skip
    assert [r["ratio_id"] for r in listed["items"]] == [ratio["ratio_id"]]


def test_every_change_is_audited(client: TestClient, broker: Caller, engine: Engine) -> None:
    contract = _contract(client, broker)
    client.delete(f"{BASE}/contracts/{contract['contract_id']}", headers=broker.headers)
    with engine.connect() as connection:
        actions = (
            connection.execute(select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.tenant_id == "makler"))
            .scalars()
            .all()
        )
    assert [a for a in actions if a.startswith("portfolio.")] == [
        "portfolio.add_customer", "portfolio.add_contract", "portfolio.delete_contract",
    ]  # fmt: skip


def test_an_insurer_reads_the_copies_it_was_sent_and_changes_nothing(
    client: TestClient, broker: Caller, kontor: Kontor
) -> None:
    contract = _contract(client, broker)
    insurer = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=ADMINISTRATORS)
    with kontor.bus.unit_of_work() as uow:
        copied = copy_contract(
            uow.connection, "makler", contract["contract_id"], "versicherer", NOW
        )
        uow.commit()
    seen = client.get(f"{BASE}/contracts/{copied.contract_id}", headers=insurer.headers).json()
    assert seen["origin"] == {"tenant_id": "makler", "entity": "contract",
                              "entity_id": contract["contract_id"], "version": 1}  # fmt: skip
    refused = client.patch(
        f"{BASE}/contracts/{copied.contract_id}",
        json={"version": 1, "remarks": "x"},
        headers=insurer.headers,
    )
    assert refused.status_code == 403
    deleted = client.delete(f"{BASE}/contracts/{contract['contract_id']}", headers=broker.headers)
    assert deleted.status_code == 204
    gone = client.get(f"{BASE}/contracts/{copied.contract_id}", headers=insurer.headers)
    assert gone.status_code == 404


def test_contracts_export_as_csv_with_formulas_kept_as_text(
    client: TestClient, broker: Caller
) -> None:
    _contract(client, broker, remarks="x", insurer_name="=HYPERLINK(1)")
    _contract(client, broker, policy_number="WG-1", line_of_business_code="140", details=None)
    exported = client.get(f"{BASE}/contracts/export", params={"line_of_business_code": "130"},
                          headers=broker.headers)  # fmt: skip
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(exported.text)))
    line = dict(zip(header, row, strict=True))
    assert (line["policy_number"], line["insurer_name"]) == ("HR-4711", "'=HYPERLINK(1)")
    assert (line["annual_premium_gross"], line["risk_text"]) == ("189.37", "EFLSU")
    assert (line["customer_name"], line["line_of_business"]) == ("Anna Müller", "Hausrat")


def test_erasing_a_customer_removes_everything_of_it_and_every_copy(
    client: TestClient, broker: Caller, kontor: Kontor, engine: Engine
) -> None:
    contract = _contract(client, broker)
    _post(client, broker, f"/contracts/{contract['contract_id']}/claims",
          {"occurred_on": "2025-07-14"})  # fmt: skip
    with kontor.bus.unit_of_work() as uow:
        copy_contract(uow.connection, "makler", contract["contract_id"], "versicherer", NOW)
        uow.commit()
    erased = client.post(f"{BASE}/customers/{contract['customer_id']}/erase",
                         headers=broker.headers)  # fmt: skip
    assert erased.status_code == 204
    with engine.connect() as connection:
        left = {
            table.name: connection.execute(select(table.c.tenant_id)).scalars().all()
            for table in TABLES
        }
    assert left == {table.name: [] for table in TABLES}


def test_a_contract_moves_only_to_a_customer_of_the_tenant(
    client: TestClient, broker: Caller, kontor: Kontor
) -> None:
    contract = _contract(client, broker)
    other = _post(client, broker, "/customers", {"kind": "company", "company_name": "Korn GmbH"})
    url = f"{BASE}/contracts/{contract['contract_id']}"
    moved = client.patch(url, json={"version": 1, "customer_id": other["customer_id"]},
                         headers=broker.headers)  # fmt: skip
    assert moved.json()["customer_id"] == other["customer_id"]
    stranger = api_caller(kontor, "makler-2", kind=TenantKind.BROKER, group=BROKERS)
    foreign = _post(client, stranger, "/customers", CUSTOMER)
    refused = client.patch(url, json={"version": 2, "customer_id": foreign["customer_id"]},
                           headers=broker.headers)  # fmt: skip
    assert (refused.status_code, refused.json()["field"]) == (422, "customer_id")
    assert client.get(url, headers=broker.headers).json()["customer_id"] == other["customer_id"]
