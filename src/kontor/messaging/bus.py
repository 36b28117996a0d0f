"""The message bus: routes commands to their one handler and events to their subscribers."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine

from kontor.db import is_retryable_at_once
from kontor.errors import KontorError
from kontor.messaging.changes import Change, ChangeLog
from kontor.messaging.clock import Clock
from kontor.messaging.context import correlation
from kontor.messaging.messages import Command, Event, Message, MessageError
from kontor.messaging.tracing import span
from kontor.messaging.uow import DeliverWithin, UnitOfWork

log = logging.getLogger(__name__)

ATTEMPTS = 3
"""How often a command runs when the database rolls it back for a conflict with another one."""
RETRY_PAUSE_SECONDS = 0.05

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)

CommandHandler = Callable[[Any, UnitOfWork], Any]
EventHandler = Callable[[Any, UnitOfWork], None]
ReadAhead = Callable[[Sequence[Any], UnitOfWork], None]
"""Reads what a handler needs for a batch of its messages at once (``UnitOfWork.keep_ahead``)."""
ChangeDescriber = Callable[[Any, Any], Change]
"""What a handled command changed, from the command and its handler's result."""


class Transport(Protocol):
    """Carries committed messages from the outbox to the handlers."""

    def committed(self, messages: Sequence[Message]) -> None:
        """Messages were committed to the outbox; deliver them (now or soon)."""
        ...

    def held(self) -> AbstractContextManager[None]:
        """A block whose committed messages are delivered together when it ends."""
        ...

    def within_transaction(self) -> DeliverWithin | None:
        """What delivers messages inside the transaction that emits them, if this transport's
        handlers may run there (all of them in this process, on the same database)."""
        ...


@dataclass(frozen=True)
class Subscription:
    """One handler of one message type, named stably for the inbox."""

    name: str
    type_name: str
    handler: EventHandler
    read_ahead: ReadAhead | None = None


def handler_name(handler: Callable[..., Any]) -> str:
    """The default stable name of a handler: its module and qualified name."""
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


class HandlerRegistry:
    """Which handler handles which command and which handlers hear which event."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandHandler] = {}
        self._subscriptions: dict[str, list[Subscription]] = {}
        self._describers: dict[str, ChangeDescriber] = {}

    def register_command(
        self, command_type: type[C], handler: Callable[[C, UnitOfWork], Any]
    ) -> None:
        """Make ``handler`` the one handler of ``command_type``."""
        name = command_type.type_name
        if name in self._commands:
            raise MessageError(f"command {name!r} already has a handler")
        self._commands[name] = handler

    def describe_changes(
        self, command_type: type[C], describer: Callable[[C, Any], Change]
    ) -> None:
        """Say what a handled ``command_type`` changed, for the audit log."""
        self._describers[command_type.type_name] = describer

    def change_of(self, command: Command, result: Any) -> Change:
        """The change a handled command made (its type and id unless a describer says more)."""
        describer = self._describers.get(command.type_name)
        if describer is None:
            return Change(command.type_name, "command", command.message_id)
        return describer(command, result)

    def run(self, command: Command, uow: UnitOfWork) -> Any:
        """Handle ``command`` in ``uow`` and record the change it made there (if audited)."""
        result = self.command_handler(command.type_name)(command, uow)
        if uow.records_changes:
            uow.record(self.change_of(command, result), command.tenant_id, command.actor)
        return result

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E, UnitOfWork], None],
        name: str | None = None,
        *,
        read_ahead: ReadAhead | None = None,
    ) -> Subscription:
        """Add ``handler`` to the subscribers of ``event_type`` under a stable ``name``; with
        ``read_ahead``, a batch of its messages delivered together first reads what they need
        at once."""
        subscription = Subscription(
            name or handler_name(handler), event_type.type_name, handler, read_ahead
        )
        existing = self._subscriptions.setdefault(event_type.type_name, [])
        if any(s.name == subscription.name for s in existing):
            raise MessageError(
                f"{subscription.name!r} already subscribes to {event_type.type_name!r}"
            )
        existing.append(subscription)
        return subscription

    def command_handler(self, type_name: str) -> CommandHandler:
        """The handler of the command named ``type_name``."""
        try:
            return self._commands[type_name]
        except KeyError:
            raise MessageError(f"no handler for command {type_name!r}") from None

    def deliveries_for(self, message: Message) -> Sequence[Subscription]:
        """The subscriptions a message from the outbox is delivered to."""
        if isinstance(message, Command):
            handler = self.command_handler(message.type_name)
            return (Subscription(handler_name(handler), message.type_name, self.run),)
        return self._subscriptions.get(message.type_name, ())

    def subscription(self, type_name: str, name: str) -> Subscription | None:
        """The subscription called ``name`` for message type ``type_name``, if still registered."""
        for subscription in self._subscriptions.get(type_name, ()):
            if subscription.name == name:
                return subscription
        handler = self._commands.get(type_name)
        if handler is not None and handler_name(handler) == name:
            return Subscription(name, type_name, self.run)
        return None


class MessageBus:
    """Handles commands in a unit of work; emitted messages leave through the transport."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        registry: HandlerRegistry,
        transport: Transport,
        change_log: ChangeLog | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.registry = registry
        self.transport = transport
        self.change_log = change_log

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work whose committed messages go to this bus's transport."""
        return delivering_unit_of_work(self.engine, self.clock, self.transport, self.change_log)

    def reading(self) -> UnitOfWork:
        """A unit of work for reads only: it never waits for or holds the write lock (on
        PostgreSQL its transaction is read-only)."""
        return UnitOfWork(self.engine, self.clock, writes=False)

    def handle(self, command: Command) -> Any:
        """Run the command's handler in a unit of work, commit, and return the handler's result.

        The change it made is recorded in the same transaction (see ``describe_changes``).
        When a concurrent change won (a serialization failure or deadlock in the database, or an
        error marked ``retry_at_once`` such as a stale instance) the transaction was rolled back;
        the command runs again, at most ``ATTEMPTS`` times in all, before the error reaches the
        caller.
        """
        self.registry.command_handler(command.type_name)  # unknown: fail before connecting
        attempt = 1
        while True:
            try:
                with (
                    correlation(command.correlation_id),
                    span(f"command {command.type_name}", attributes={"attempt": attempt}),
                    self.unit_of_work() as uow,
                ):
                    result = self.registry.run(command, uow)
                    uow.commit()
                return result
            except Exception as error:
                if attempt == ATTEMPTS or not _worth_running_again(error):
                    raise
                log.info("%s: %s, running it again", command.type_name, type(error).__name__)
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))  # split the rivals
            attempt += 1

    def handle_all(self, commands: Sequence[Command]) -> list[Any]:
        """Handle commands in one transaction and one commit; each result or error in order.

        For bulk work (a campaign starting an instance per contract, a bulk task completion):
        a command that fails is undone alone and its exception takes its place in the results,
        the others commit together. Their events are delivered together, inside the transaction
        where the transport allows it (else after the commit).
        """
        with self.batch_delivery():
            try:
                return self._handle_together(commands, careful=False)
            except Exception:  # redo with one savepoint per command; errors kept in place
                return self._handle_together(commands, careful=True)

    def _handle_together(self, commands: Sequence[Command], *, careful: bool) -> list[Any]:
        results: list[Any] = []
        with self.unit_of_work() as uow:
            for command in commands:
                with correlation(command.correlation_id), span(f"command {command.type_name}"):
                    if not careful:
                        results.append(self.registry.run(command, uow))
                        continue
                    try:
                        with uow.savepoint():
                            results.append(self.registry.run(command, uow))
                    except Exception as error:  # reported in the command's place
                        results.append(error)
            uow.commit()
        return results

    def batch_delivery(self) -> AbstractContextManager[None]:
        """A block whose commands still commit one by one but whose events are delivered together.

        For bulk work (starting a campaign's instances, an import): one delivery transaction for
        the block instead of one per command. Events not delivered inside their command's
        transaction reach their handlers when the block ends.
        """
        return self.transport.held()

    def publish(self, *messages: Message) -> None:
        """Commit messages to the outbox on their own (no state change alongside)."""
        with self.unit_of_work() as uow:
            uow.emit(*messages)
            uow.commit()


def delivering_unit_of_work(
    engine: Engine, clock: Clock, transport: Transport, change_log: ChangeLog | None
) -> UnitOfWork:
    """A unit of work whose messages ``transport`` delivers: inside it where the transport
    allows, the others after its commit."""
    return UnitOfWork(
        engine,
        clock,
        transport.committed,
        change_log,
        deliver_within=transport.within_transaction(),
    )


def _worth_running_again(error: Exception) -> bool:
    return is_retryable_at_once(error) or (isinstance(error, KontorError) and error.retry_at_once)
