"""The status models of the app, read from its BPMN files: statuses, actions and transitions.

Each status of a model is a named event-based gateway (or, with one way out, a named
intermediate throw event); each action is a message caught after it. The tables of allowed
actions are derived from the models, so the process engine and the app's checks agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from kontor.apps.portfolio_transfer.errors import ActionNotAllowed
from kontor.process import Definitions, parse_bpmn

REQUEST_PROCESS = "PortfolioTransferRequest"
CASE_PROCESS = "PortfolioTransferUnderwriting"

ACTION_LABELS = {
    "forward": "Zur Anfrage weiterleiten",
    "withdraw": "Anfrage zurückziehen",
    "delete": "Löschen",
    "resolve_information": "Informationsbedarf lösen",
    "forward_again": "Anfrage weiterleiten",
    "confirm_application": "Beantragung ausführen",
    "decline_proposal": "Beantragungswunsch ablehnen",
    "set_interest": "Zeichnungsinteresse setzen",
    "reject": "Ablehnen",
    "request_information": "Informationsbedarf melden",
    "propose": "Beantragung",
    "manual_placement": "Manuelle Zeichnung",
    "close": "Erledigt",
    "submit_application": "Beantragung (maschinell)",
    "accept": "Antrag angenommen (maschinell)",
    "bind": "Eindeckung bestätigt (maschinell)",
    "calculate": "Berechnung starten",
    "quote_succeeded": "getQuote erfolgreich",
    "quote_refused": "getQuote abgelehnt",
    "order": "Antragsstellung",
    "order_succeeded": "setOrder erfolgreich",
    "order_refused": "setOrder abgelehnt",
    "abort": "Vorgang abbrechen",
}
"""What the protocol calls each action (the German labels of the seed where it names them)."""

_STATUS_KINDS = frozenset({"eventBasedGateway", "intermediateThrowEvent"})


@dataclass(frozen=True)
class StatusModel:
    """The statuses of one process model and which action leads from which status where."""

    process_key: str
    initial: str
    statuses: tuple[str, ...]
    final: tuple[str, ...]
    transitions: Mapping[tuple[str, str], str]

    @property
    def actions(self) -> frozenset[str]:
        """Every action (message name) the model knows."""
        return frozenset(action for _, action in self.transitions)

    def allowed(self, status: str) -> frozenset[str]:
        """The actions that ``status`` allows."""
        return frozenset(action for (source, action) in self.transitions if source == status)

    def next_status(self, status: str, action: str, *, what: str = "Status") -> str:
        """Where ``action`` leads from ``status``; ``ActionNotAllowed`` naming both if nowhere."""
        target = self.transitions.get((status, action))
        if target is None:
            label = ACTION_LABELS.get(action, action)
            raise ActionNotAllowed(
                f"{what} '{status}' erlaubt die Aktion '{label}' ({action}) nicht",
                current_status=status,
                action=action,
                allowed=sorted(self.allowed(status)),
            )
        return target


def status_model(definitions: Definitions, process_key: str) -> StatusModel:
    """The status model of ``process_key`` in parsed BPMN ``definitions``."""
    process = definitions.processes[process_key]
    nodes, flows = process.nodes, process.flows
    targets = {flow.id: flow.target for flow in flows.values()}
    statuses = [n for n in nodes.values() if n.kind.value in _STATUS_KINDS and n.name]
    final = [n.name for n in nodes.values() if n.kind.value == "endEvent" and n.name]
    transitions: dict[tuple[str, str], str] = {}
    for status in statuses:
        for flow_id in status.outgoing:
            catch = nodes[targets[flow_id]]
            message = definitions.messages[catch.event_definitions[0].message_ref or ""]
            [out] = catch.outgoing
            target = nodes[targets[out]]
            transitions[(status.name or "", message.name or "")] = target.name or ""
    [start] = [n for n in nodes.values() if n.kind.value == "startEvent"]
    [first] = start.outgoing
    return StatusModel(
        process_key,
        nodes[targets[first]].name or "",
        tuple(s.name or "" for s in statuses),
        tuple(name for name in final if name),
        transitions,
    )


def model_xml(file_name: str) -> str:
    """The text of a BPMN model shipped with the app."""
    return (
        files("kontor.apps.portfolio_transfer")
        .joinpath("models")
        .joinpath(file_name)
        .read_text("utf-8")
    )


REQUEST_FILE = "transfer_request.bpmn"
CASE_FILE = "underwriting_case.bpmn"


@cache
def request_model() -> StatusModel:
    """The broker and underwriting statuses of a transfer request."""
    return status_model(parse_bpmn(model_xml(REQUEST_FILE), REQUEST_FILE), REQUEST_PROCESS)


@cache
def case_model() -> StatusModel:
    """The technical statuses of an underwriting case."""
    return status_model(parse_bpmn(model_xml(CASE_FILE), CASE_FILE), CASE_PROCESS)
