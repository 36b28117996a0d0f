"""Steps 6–8 of the GDV import: customers, contracts, line-of-business details.

Step 6 makes the plan once — per contract of the file: create it, update it (the file's
validity date is younger than the stored one), or leave it (same or older date, or a younger
duplicate in the same file) — and stores it in ``portfolio_import_plans`` in the same
transaction as the customers. Steps 7 and 8 follow that plan, so running one of them again
after a crash does exactly what the first attempt would have done.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, text, update

from kontor.exchange.pipeline import RunItem, RunItems, StepContext
from kontor.portfolio import rows
from kontor.portfolio.domain import build_contract, build_customer
from kontor.portfolio.gdv_reading import ACCEPTED, MAX_LISTED
from kontor.portfolio.import_tables import import_plans
from kontor.portfolio.lines import details_from_data, details_to_data
from kontor.portfolio.merge_key import merge_key_digest
from kontor.portfolio.store import PortfolioStore
from kontor.portfolio.tables import contracts, customers

CREATE, UPDATE = "create", "update"
UNCHANGED, KEPT, SUPERSEDED, DUPLICATE = "unchanged", "kept", "superseded", "duplicate"
APPLIED = frozenset({CREATE, UPDATE})
BATCH = 500
PLANNED = "planned_items"
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
    applied = [item for item in items if plans[item.item_no]["action"] in APPLIED]
    stored = _existing(
        connection, customers, tenant, {plans[i.item_no]["customer_id"] for i in applied}
    )
    new_rows: dict[str, dict[str, Any]] = {}
    updated = 0
    for item in applied:
        plan = plans[item.item_no]
        customer_id = plan["customer_id"]
        if customer_id not in stored:
            if customer_id not in new_rows:
                wanted = build_customer(customer_id, _load(item)["customer"])
                new_rows[customer_id] = _row(store.customers.row(wanted), tenant, now)
            continue
        if plan["action"] == UPDATE:
            current = store.customers.get(customer_id)
            wanted = build_customer(customer_id, _load(item)["customer"], version=current.version)
            if wanted != dataclasses.replace(current, origin=None):
                store.customers.save(wanted, current.version, now)
                updated += 1
    _insert(connection, customers, list(new_rows.values()))
    _save_plans(context, items, plans)
    # steps 7 and 8 of this attempt use these; a resumed run reads them from the plan table
    context.scratch[PLANNED] = [(item, plans[item.item_no]) for item in items]
    context.counts.update(customers_created=len(new_rows), customers_updated=updated)


def load_contracts(context: StepContext) -> None:
    """Step 7: create or update the contracts the plan names (their details follow in step 8)."""
    connection, tenant = context.uow.connection, context.run.tenant_id
    store = PortfolioStore(connection, tenant)
    now = context.uow.clock.now()
    planned = _planned(context)
    applied = [(item, plan) for item, plan in planned if plan["action"] in APPLIED]
    stored = _existing(connection, contracts, tenant, {plan["contract_id"] for _, plan in applied})
    new_rows: list[dict[str, Any]] = []
    updated = 0
    for item, plan in applied:
        data = _load(item)
        if plan["contract_id"] not in stored:
            wanted = build_contract(plan["contract_id"], plan["customer_id"], data["contract"])
            digest = merge_key_digest(data["merge_key"])
            new_rows.append(_row(rows.contract_row(wanted, digest), tenant, now))
            continue
        current = store.contracts.get(plan["contract_id"])
        wanted = build_contract(current.contract_id, current.customer_id, data["contract"])
        wanted = dataclasses.replace(wanted, details=current.details, remarks=current.remarks)
        store.contracts.save(wanted, current.version, now)
        updated += 1
    _insert(connection, contracts, new_rows)
    context.counts.update(contracts_created=len(new_rows), contracts_updated=updated,
                          contracts_unchanged=len(planned) - len(applied))  # fmt: skip


def load_details(context: StepContext) -> None:
    """Step 8: the line-of-business details of the contracts created or updated.

    One statement: the checked details wait in the plan table since step 6.
    """
    connection, tenant, run_id = context.uow.connection, context.run.tenant_id, context.run.run_id
    c, p = contracts.c, import_plans.c
    if connection.dialect.name == "postgresql":
        # both tables just grew by the file's rows: with statistics from before, the planner
        # expects one row each and joins them in a nested loop (seconds instead of
        # milliseconds); a hash join suits any size here (ANALYZE would wait for autovacuum)
        connection.execute(text("SET LOCAL enable_nestloop = off"))
    connection.execute(
        update(contracts)
        .where(
            p.run_id == run_id,
            p.tenant_id == tenant,
            p.action.in_(sorted(APPLIED)),
            c.tenant_id == tenant,
            c.contract_id == p.contract_id,
        )
        .values(details=p.details, version=c.version + 1, updated_at=context.uow.clock.now())
    )
    loaded = connection.execute(
        select(func.count())
        .select_from(import_plans)
        .where(p.run_id == run_id, p.tenant_id == tenant, p.action.in_(sorted(APPLIED)),
               p.has_details.is_(True))
    ).scalar_one()  # fmt: skip
    context.counts.update(details_loaded=loaded)


def _save_plans(
    context: StepContext, items: list[RunItem], plans: dict[int, dict[str, Any]]
) -> None:
    connection, tenant, run_id = context.uow.connection, context.run.tenant_id, context.run.run_id
    p = import_plans.c
    connection.execute(delete(import_plans).where(p.run_id == run_id, p.tenant_id == tenant))
    plan_rows = []
    for item in items:
        plan = plans[item.item_no]
        details = _load(item)["details"] if plan["action"] in APPLIED else None
        plan_rows.append({
            "run_id": run_id, "item_no": item.item_no, "tenant_id": tenant,
            "action": plan["action"], "contract_id": plan["contract_id"],
            "customer_id": plan["customer_id"],
            "validity_date": _date(plan["validity_date"]),
            "details": details_to_data(details_from_data(details)),
            "has_details": details is not None,
        })  # fmt: skip
    _insert(connection, import_plans, plan_rows)


@dataclasses.dataclass(frozen=True)
class _Stored:
    contract_id: str
    customer_id: str
    validity_date: dt.date | None


def _stored_by_key(connection: Connection, tenant: str, items: list[RunItem]) -> dict[str, _Stored]:
    """The tenant's stored contracts with the merge keys of ``items``, by key digest."""
    c = contracts.c
    digests = sorted({merge_key_digest(_load(item)["merge_key"]) for item in items})
    found: dict[str, _Stored] = {}
    for start in range(0, len(digests), BATCH):
        query = (
            select(c.merge_key, c.contract_id, c.customer_id, c.validity_date)
            .where(c.tenant_id == tenant, c.merge_key.in_(digests[start : start + BATCH]))
            .order_by(c.contract_id.desc())  # the first of several stays
        )
        for row in connection.execute(query):
            found[row.merge_key] = _Stored(row.contract_id, row.customer_id, row.validity_date)
    return found


def _planned(context: StepContext) -> list[tuple[RunItem, dict[str, Any]]]:
    """The accepted items with their plans (from step 6 of this attempt, else stored)."""
    cached = context.scratch.get(PLANNED)
    if isinstance(cached, list):
        return cached
    connection, tenant, run_id = context.uow.connection, context.run.tenant_id, context.run.run_id
    p = import_plans.c
    stored = {
        row.item_no: {"action": row.action, "contract_id": row.contract_id,
                      "customer_id": row.customer_id}
        for row in connection.execute(
            select(p.item_no, p.action, p.contract_id, p.customer_id)
            .where(p.run_id == run_id, p.tenant_id == tenant)
        )
    }  # fmt: skip
    items = RunItems(connection, tenant).of_run(run_id, ACCEPTED)
    return [(item, stored[item.item_no]) for item in items]


def _existing(connection: Connection, table: Table, tenant: str, ids: set[str]) -> set[str]:
    """Which of ``ids`` the tenant's ``table`` holds."""
    key = table.c[table.primary_key.columns.keys()[0]]
    found: set[str] = set()
    wanted = sorted(ids)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found.update(
            connection.execute(
                select(key).where(table.c.tenant_id == tenant, key.in_(chunk))
            ).scalars()
        )
    return found


def _row(values: dict[str, Any], tenant: str, now: dt.datetime) -> dict[str, Any]:
    return {**values, "tenant_id": tenant, "created_at": now, "updated_at": now}


def _insert(connection: Connection, table: Table, new_rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(new_rows), BATCH):
        connection.execute(insert(table), new_rows[start : start + BATCH])


def _plan(
    store: PortfolioStore, tenant: str, items: list[RunItem], context: StepContext
) -> dict[int, dict[str, Any]]:
    plans: dict[int, dict[str, Any]] = {}
    winner: dict[str, int] = {}  # merge key → item number of the youngest so far in the file
    merges: list[dict[str, Any]] = []
    by_number = {item.item_no: item for item in items}
    stored = _stored_by_key(store.connection, tenant, items)
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
        found = stored.get(merge_key_digest(key))
        if found is not None:
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
