"""Steps 6–8 of the GDV import: customers, contracts, line-of-business details.

Step 6 makes the plan once — per contract of the file: create it, update it (the file's
validity date is younger than the stored one), or leave it (same or older date, or a younger
duplicate in the same file) — and stores it with the run's items in the same transaction as
the customers. Steps 7 and 8 follow that plan, so running one of them again after a crash does
exactly what the first attempt would have done.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from kontor.exchange.pipeline import RunItem, RunItems, StepContext
from kontor.portfolio.domain import build_contract, build_customer
from kontor.portfolio.gdv_reading import ACCEPTED, MAX_LISTED
from kontor.portfolio.lines import details_from_data
from kontor.portfolio.store import PortfolioStore

CREATE, UPDATE = "create", "update"
UNCHANGED, KEPT, SUPERSEDED, DUPLICATE = "unchanged", "kept", "superseded", "duplicate"
APPLIED = frozenset({CREATE, UPDATE})
_IDS = uuid.UUID("6f1c7e5a-3b7d-4f39-9a8e-1d0c5e7b2a41")
_OUTCOMES = {
    UPDATE: "jüngerer Gültigkeitsstichtag: Werte aus der Datei übernommen",
    UNCHANGED: "gleicher Gültigkeitsstichtag: gespeicherter Stand bleibt",
    KEPT: "älterer Gültigkeitsstichtag: gespeicherter jüngerer Stand bleibt",
    SUPERSEDED: "in derselben Datei mit jüngerem Gültigkeitsstichtag erneut enthalten",
    DUPLICATE: "in derselben Datei doppelt; der Satz mit dem jüngsten Stichtag gilt",
}


def load_customers(context: StepContext) -> None:
    """Step 6: plan every contract of the file and load its customers."""
    connection, tenant = context.uow.connection, context.run.tenant_id
    store = PortfolioStore(connection, tenant)
    items = list(RunItems(connection, tenant).of_run(context.run.run_id, ACCEPTED))
    plans = _plan(store, tenant, items, context)
    now = context.uow.clock.now()
    created = updated = 0
    for item in items:
        plan = plans[item.item_no]
        if plan["action"] not in APPLIED:
            continue
        wanted = build_customer(plan["customer_id"], _load(item)["customer"])
        stored = store.customers.find(plan["customer_id"])
        if stored is None:
            store.customers.add(wanted, now)
            created += 1
        elif plan["action"] == UPDATE and dataclasses.replace(wanted, version=stored.version) != (
            dataclasses.replace(stored, origin=None)
        ):
            store.customers.save(wanted, stored.version, now)
            updated += 1
    RunItems(connection, tenant).annotate(
        context.run.run_id, {item.item_no: {**item.data, "plan": plans[item.item_no]}
                             for item in items},
    )  # fmt: skip
    context.counts.update(customers_created=created, customers_updated=updated)


def load_contracts(context: StepContext) -> None:
    """Step 7: create or update the contracts the plan names (their details follow in step 8)."""
    connection, tenant = context.uow.connection, context.run.tenant_id
    store = PortfolioStore(connection, tenant)
    now = context.uow.clock.now()
    created = updated = left = 0
    for item in RunItems(connection, tenant).of_run(context.run.run_id, ACCEPTED):
        plan = item.data["plan"]
        if plan["action"] not in APPLIED:
            left += 1
            continue
        data = _load(item)["contract"]
        if plan["action"] == CREATE and store.contracts.find(plan["contract_id"]) is None:
            store.contracts.add(build_contract(plan["contract_id"], plan["customer_id"], data), now)
            created += 1
            continue
        stored = store.contracts.get(plan["contract_id"])
        wanted = build_contract(stored.contract_id, stored.customer_id, data)
        wanted = dataclasses.replace(wanted, details=stored.details, remarks=stored.remarks)
        store.contracts.save(wanted, stored.version, now)
        updated += 1
    context.counts.update(contracts_created=created, contracts_updated=updated,
                          contracts_unchanged=left)  # fmt: skip


def load_details(context: StepContext) -> None:
    """Step 8: the line-of-business details of the contracts created or updated."""
    connection, tenant = context.uow.connection, context.run.tenant_id
    store = PortfolioStore(connection, tenant)
    now = context.uow.clock.now()
    loaded = 0
    for item in RunItems(connection, tenant).of_run(context.run.run_id, ACCEPTED):
        plan = item.data["plan"]
        details = _load(item)["details"]
        if plan["action"] not in APPLIED or details is None:
            continue
        stored = store.contracts.get(plan["contract_id"])
        wanted = details_from_data(details)
        if wanted != stored.details:
            store.contracts.save(dataclasses.replace(stored, details=wanted), stored.version, now)
        loaded += 1
    context.counts.update(details_loaded=loaded)


def _plan(
    store: PortfolioStore, tenant: str, items: list[RunItem], context: StepContext
) -> dict[int, dict[str, Any]]:
    plans: dict[int, dict[str, Any]] = {}
    winner: dict[str, int] = {}  # merge key → item number of the youngest so far in the file
    merges: list[dict[str, Any]] = []
    by_number = {item.item_no: item for item in items}
    for item in items:
        load = _load(item)
        key: str = load["merge_key"]
        validity = _date(load["contract"].get("validity_date"))
        earlier = winner.get(key)
        if earlier is not None:
            first = plans[earlier]
            if _younger(validity, _date(first["validity_date"])):
                action = _against(validity, first)
                plans[item.item_no] = {**first, "action": action, "validity_date": _iso(validity)}
                plans[earlier] = {**first, "action": SUPERSEDED}
                winner[key] = item.item_no
                merges.append(
                    _merge(by_number[earlier], SUPERSEDED, first["validity_date"], validity)
                )
            else:
                plans[item.item_no] = {
                    **first,
                    "action": DUPLICATE,
                    "validity_date": _iso(validity),
                }
                merges.append(_merge(item, DUPLICATE, first["validity_date"], validity))
            continue
        stored = store.contracts_with_merge_key(key)
        if stored:
            found = stored[0]
            plan: dict[str, Any] = {"contract_id": found.contract_id,
                                    "customer_id": found.customer_id,
                                    "stored_validity_date": _iso(found.validity_date),
                                    "stored": True}  # fmt: skip
            action = _against(validity, plan)
            plan["action"] = action
            merges.append(_merge(item, action, _iso(found.validity_date), validity))
        else:
            plan = {"action": CREATE, "contract_id": _id(tenant, "contract", key),
                    "customer_id": _id(tenant, "customer", key.rsplit("|", 3)[0]),
                    "stored": False}  # fmt: skip
        plans[item.item_no] = {**plan, "validity_date": _iso(validity)}
        winner[key] = item.item_no
    context.counts.update(merged=len(merges))
    context.report["merges"] = merges[:MAX_LISTED]
    return plans


def _merge(item: RunItem, action: str, stored: str | None, given: dt.date | None) -> dict[str, Any]:
    return {
        "line": item.line,
        "policy_number": item.item_key,
        "line_of_business_code": item.data.get("line_of_business_code"),
        "outcome": action,
        "message": _OUTCOMES[action],
        "stored_validity_date": stored,
        "file_validity_date": _iso(given),
    }


def _load(item: RunItem) -> dict[str, Any]:
    load: dict[str, Any] = item.data["load"]
    return load


def _id(tenant: str, kind: str, key: str) -> str:
    """The same id for the same tenant and key every time (a re-run creates nothing new)."""
    return str(uuid.uuid5(_IDS, f"{tenant}\x1f{kind}\x1f{key}"))


def _against(validity: dt.date | None, plan: dict[str, Any]) -> str:
    """What to do with a contract of the file, given what is stored (per its plan)."""
    if not plan["stored"]:
        return CREATE
    stored = _date(plan["stored_validity_date"])
    if _younger(validity, stored):
        return UPDATE
    return UNCHANGED if validity == stored else KEPT


def _younger(given: dt.date | None, stored: dt.date | None) -> bool:
    return given is not None and (stored is None or given > stored)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
