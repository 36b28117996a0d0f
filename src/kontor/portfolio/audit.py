"""What each portfolio command changed, in the terms the audit log records."""

from __future__ import annotations

from typing import Any

from kontor.messaging import Change, Command, HandlerRegistry
from kontor.portfolio import messages as msg

_ADDS: dict[type[Command], tuple[str, str]] = {
    msg.AddCustomer: ("customer", "customer"),
    msg.AddBankAccount: ("bank_account", "account"),
    msg.AddContract: ("contract", "contract"),
    msg.RecordClaim: ("claim", "claim"),
    msg.RecordClaimsRatio: ("claims_ratio", "ratio"),
}
_CHANGES: dict[type[Command], str] = {
    msg.ChangeCustomer: "customer",
    msg.ChangeBankAccount: "bank_account",
    msg.ChangeContract: "contract",
    msg.ChangeClaim: "claim",
    msg.ChangeClaimsRatio: "claims_ratio",
}
_DELETES = (
    msg.DeleteCustomer,
    msg.EraseCustomer,
    msg.DeleteBankAccount,
    msg.DeleteContract,
    msg.DeleteClaim,
    msg.DeleteClaimsRatio,
)


def _subject(result: Any) -> str | None:
    # Personal values belong to the customer: erasing the customer finds them through this.
    customer_id = getattr(result, "customer_id", None)
    return None if customer_id is None else f"portfolio_customer:{customer_id}"


def _entity_id(result: Any, entity: str) -> str:
    key = {"bank_account": "account_id", "claims_ratio": "ratio_id"}.get(entity, f"{entity}_id")
    return str(getattr(result, key))


def added(command: Command, result: Any) -> Change:
    """An entity was added with the data given."""
    entity, body = _ADDS[type(command)]
    after = command.model_dump(mode="json")[body]
    return Change(
        command.type_name, f"portfolio_{entity}", _entity_id(result, entity), after=after,
        subject=_subject(result),
    )  # fmt: skip


def changed(command: Command, result: Any) -> Change:
    """Fields of an entity were changed (only those given)."""
    entity = _CHANGES[type(command)]
    after = command.model_dump(mode="json", include={"changes", "version"})
    return Change(
        command.type_name, f"portfolio_{entity}", _entity_id(result, entity), after=after,
        subject=_subject(result),
    )  # fmt: skip


def deleted(command: Command, result: Any) -> Change:
    """An entity was deleted, with its dependants and copies."""
    after = {
        "dependants": [[kind.value, item_id] for kind, item_id in result.dependants],
        "copies_deleted": result.copies_deleted,
    }
    return Change(
        command.type_name, f"portfolio_{result.entity.value}", result.entity_id, after=after
    )


def register_audit(registry: HandlerRegistry) -> None:
    """Describe the portfolio commands' changes for the audit log."""
    for command_type in _ADDS:
        registry.describe_changes(command_type, added)
    for command_type in _CHANGES:
        registry.describe_changes(command_type, changed)
    for command_type in _DELETES:
        registry.describe_changes(command_type, deleted)
