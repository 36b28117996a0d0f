"""The service layer of the portfolio: handlers that load, check, store and emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from kontor.db.ids import time_ordered_id
from kontor.messaging import Command, HandlerRegistry, UnitOfWork
from kontor.portfolio import messages as msg
from kontor.portfolio.audit import register_audit
from kontor.portfolio.copies import delete_copies
from kontor.portfolio.domain import (
    BankAccount,
    Claim,
    ClaimsRatio,
    Contract,
    Customer,
    Entity,
    build_bank_account,
    build_claim,
    build_claims_ratio,
    build_contract,
    build_customer,
)
from kontor.portfolio.errors import InvalidPortfolioData, PortfolioEntityNotFound
from kontor.portfolio.plain import data_of, validated
from kontor.portfolio.store import EntityTable, PortfolioStore

T = TypeVar("T")


@dataclass(frozen=True)
class Deleted:
    """What a delete command removed: the entity, what went with it, how many copies."""

    entity: Entity
    entity_id: str
    dependants: tuple[tuple[Entity, str], ...]
    copies_deleted: int


class PortfolioService:
    """Handlers of the portfolio commands."""

    def add_customer(self, command: msg.AddCustomer, uow: UnitOfWork) -> Customer:
        """Add a customer."""
        customer = build_customer(time_ordered_id(), command.customer.model_dump())
        return self._added(command, uow, _store(command, uow).customers, customer)

    def change_customer(self, command: msg.ChangeCustomer, uow: UnitOfWork) -> Customer:
        """Change a customer; its contracts' merge keys follow."""
        store = _store(command, uow)
        current = store.customers.get(command.customer_id)
        data = _merged(current, msg.CustomerFields, command.changes)
        changed = build_customer(current.customer_id, data, current.version)
        saved = self._changed(command, uow, store.customers, changed, command.version)
        store.refresh_merge_keys(current.customer_id)
        return saved

    def delete_customer(self, command: msg.DeleteCustomer, uow: UnitOfWork) -> Deleted:
        """Delete a customer without contracts, its bank accounts and every copy of them."""
        store = _store(command, uow)
        accounts = store.delete_customer(command.customer_id)
        dependants = tuple((Entity.BANK_ACCOUNT, account) for account in accounts)
        return self._deleted(command, uow, Entity.CUSTOMER, command.customer_id, dependants)

    def erase_customer(self, command: msg.EraseCustomer, uow: UnitOfWork) -> Deleted:
        """Delete a customer with everything of it, and every copy of any of it."""
        store = _store(command, uow)
        store.customers.get(command.customer_id)
        dependants: list[tuple[Entity, str]] = []
        for contract_id in store.contracts.ids_where("customer_id", command.customer_id):
            dependants += store.delete_contract(contract_id)
            dependants.append((Entity.CONTRACT, contract_id))
        accounts = store.delete_customer(command.customer_id)
        dependants += [(Entity.BANK_ACCOUNT, account) for account in accounts]
        return self._deleted(command, uow, Entity.CUSTOMER, command.customer_id, tuple(dependants))

    def add_bank_account(self, command: msg.AddBankAccount, uow: UnitOfWork) -> BankAccount:
        """Add a bank account to a customer."""
        store = _store(command, uow)
        customer = store.customers.get(command.customer_id)
        account = build_bank_account(
            time_ordered_id(), customer.customer_id, command.account.model_dump()
        )
        return self._added(command, uow, store.bank_accounts, account)

    def change_bank_account(self, command: msg.ChangeBankAccount, uow: UnitOfWork) -> BankAccount:
        """Change a bank account."""
        table = _store(command, uow).bank_accounts
        current = table.get(command.account_id)
        data = _merged(current, msg.BankAccountFields, command.changes)
        changed = build_bank_account(current.account_id, current.customer_id, data, current.version)
        return self._changed(command, uow, table, changed, command.version)

    def delete_bank_account(self, command: msg.DeleteBankAccount, uow: UnitOfWork) -> Deleted:
        """Delete a bank account and its copies."""
        _store(command, uow).bank_accounts.delete(command.account_id)
        return self._deleted(command, uow, Entity.BANK_ACCOUNT, command.account_id, ())

    def add_contract(self, command: msg.AddContract, uow: UnitOfWork) -> Contract:
        """Add a contract of a customer."""
        store = _store(command, uow)
        customer = store.customers.get(command.customer_id)
        contract = build_contract(
            time_ordered_id(), customer.customer_id, command.contract.model_dump()
        )
        return self._added(command, uow, store.contracts, contract)

    def change_contract(self, command: msg.ChangeContract, uow: UnitOfWork) -> Contract:
        """Change a contract; ``customer_id`` among the changes moves it to that customer."""
        store = _store(command, uow)
        current = store.contracts.get(command.contract_id)
        changes = dict(command.changes)
        customer_id = changes.pop("customer_id", None) or current.customer_id
        _refer(store.customers, customer_id, "customer_id")
        data = _merged(current, msg.ContractFields, changes)
        changed = build_contract(current.contract_id, customer_id, data, current.version)
        return self._changed(command, uow, store.contracts, changed, command.version)

    def delete_contract(self, command: msg.DeleteContract, uow: UnitOfWork) -> Deleted:
        """Delete a contract with its claims and claims ratios, and every copy of them."""
        removed = tuple(_store(command, uow).delete_contract(command.contract_id))
        return self._deleted(command, uow, Entity.CONTRACT, command.contract_id, removed)

    def record_claim(self, command: msg.RecordClaim, uow: UnitOfWork) -> Claim:
        """Record a claim under a contract."""
        store = _store(command, uow)
        contract = store.contracts.get(command.contract_id)
        claim = build_claim(time_ordered_id(), contract.contract_id, command.claim.model_dump())
        return self._added(command, uow, store.claims, claim)

    def change_claim(self, command: msg.ChangeClaim, uow: UnitOfWork) -> Claim:
        """Change a claim."""
        table = _store(command, uow).claims
        current = table.get(command.claim_id)
        data = _merged(current, msg.ClaimFields, command.changes)
        changed = build_claim(current.claim_id, current.contract_id, data, current.version)
        return self._changed(command, uow, table, changed, command.version)

    def delete_claim(self, command: msg.DeleteClaim, uow: UnitOfWork) -> Deleted:
        """Delete a claim and its copies."""
        _store(command, uow).claims.delete(command.claim_id)
        return self._deleted(command, uow, Entity.CLAIM, command.claim_id, ())

    def record_claims_ratio(self, command: msg.RecordClaimsRatio, uow: UnitOfWork) -> ClaimsRatio:
        """Record a claims ratio; a contract it names must be the tenant's."""
        store = _store(command, uow)
        ratio = build_claims_ratio(time_ordered_id(), command.ratio.model_dump())
        if ratio.contract_id is not None:
            _refer(store.contracts, ratio.contract_id, "contract_id")
        return self._added(command, uow, store.claims_ratios, ratio)

    def change_claims_ratio(self, command: msg.ChangeClaimsRatio, uow: UnitOfWork) -> ClaimsRatio:
        """Change a claims ratio."""
        store = _store(command, uow)
        current = store.claims_ratios.get(command.ratio_id)
        data = _merged(current, msg.ClaimsRatioFields, command.changes)
        changed = build_claims_ratio(current.ratio_id, data, current.version)
        if changed.contract_id is not None:
            _refer(store.contracts, changed.contract_id, "contract_id")
        return self._changed(command, uow, store.claims_ratios, changed, command.version)

    def delete_claims_ratio(self, command: msg.DeleteClaimsRatio, uow: UnitOfWork) -> Deleted:
        """Delete a claims ratio and its copies."""
        _store(command, uow).claims_ratios.delete(command.ratio_id)
        return self._deleted(command, uow, Entity.CLAIMS_RATIO, command.ratio_id, ())

    def _added(self, command: Command, uow: UnitOfWork, table: EntityTable[T], item: T) -> T:
        table.add(item, uow.clock.now())
        item_id = getattr(item, table.key)
        uow.emit(
            msg.PortfolioEntityAdded(
                **command.caused(), entity=table.entity.value, entity_id=item_id, version=1
            )
        )
        return item

    def _changed(
        self, command: Command, uow: UnitOfWork, table: EntityTable[T], item: T, version: int
    ) -> T:
        saved = table.save(item, version, uow.clock.now())
        uow.emit(
            msg.PortfolioEntityChanged(
                **command.caused(), entity=table.entity.value,
                entity_id=getattr(saved, table.key), version=cast(Any, saved).version,
            )
        )  # fmt: skip
        return saved

    def _deleted(
        self,
        command: Command,
        uow: UnitOfWork,
        entity: Entity,
        entity_id: str,
        dependants: tuple[tuple[Entity, str], ...],
    ) -> Deleted:
        copies = 0
        for kind, item_id in ((entity, entity_id), *dependants):
            copies += len(delete_copies(uow.connection, command.tenant_id, kind, item_id))
        uow.emit(
            msg.PortfolioEntityDeleted(
                **command.caused(), entity=entity.value, entity_id=entity_id,
                copies_deleted=copies,
            )
        )  # fmt: skip
        return Deleted(entity, entity_id, dependants, copies)


def _store(command: Command, uow: UnitOfWork) -> PortfolioStore:
    return PortfolioStore(uow.connection, command.tenant_id)


def _merged(current: Any, fields: type[BaseModel], changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(fields.model_fields))
    if unknown:
        raise InvalidPortfolioData(f"there is no field {unknown[0]!r} to change", field=unknown[0])
    return validated(fields, data_of(current, fields) | changes)


def _refer(table: EntityTable[Any], item_id: str, field: str) -> None:
    """Refuse a reference to an entity the tenant does not have, naming the field."""
    try:
        table.get(item_id)
    except PortfolioEntityNotFound:
        raise InvalidPortfolioData(
            f"{field} {item_id!r} names no {table.entity.value.replace('_', ' ')} of yours",
            field=field,
        ) from None


_HANDLERS: tuple[tuple[type[Command], Callable[[PortfolioService], Any]], ...] = (
    (msg.AddCustomer, lambda s: s.add_customer),
    (msg.ChangeCustomer, lambda s: s.change_customer),
    (msg.DeleteCustomer, lambda s: s.delete_customer),
    (msg.EraseCustomer, lambda s: s.erase_customer),
    (msg.AddBankAccount, lambda s: s.add_bank_account),
    (msg.ChangeBankAccount, lambda s: s.change_bank_account),
    (msg.DeleteBankAccount, lambda s: s.delete_bank_account),
    (msg.AddContract, lambda s: s.add_contract),
    (msg.ChangeContract, lambda s: s.change_contract),
    (msg.DeleteContract, lambda s: s.delete_contract),
    (msg.RecordClaim, lambda s: s.record_claim),
    (msg.ChangeClaim, lambda s: s.change_claim),
    (msg.DeleteClaim, lambda s: s.delete_claim),
    (msg.RecordClaimsRatio, lambda s: s.record_claims_ratio),
    (msg.ChangeClaimsRatio, lambda s: s.change_claims_ratio),
    (msg.DeleteClaimsRatio, lambda s: s.delete_claims_ratio),
)


def register(registry: HandlerRegistry) -> PortfolioService:
    """Register the portfolio's command handlers and describe their changes for the audit log."""
    service = PortfolioService()
    for command_type, handler in _HANDLERS:
        registry.register_command(command_type, handler(service))
    register_audit(registry)
    return service
