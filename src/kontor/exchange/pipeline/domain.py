"""Pipelines and their runs: named steps with progress, a run's status and its legal moves.

Pure: no I/O. A run shows one step number at a time (``0`` … the last step; negative numbers
are the pipeline's error steps). ``completed`` is the last step whose work committed: a run
that was interrupted resumes with the step after it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kontor.errors import Conflict, KontorError


class RunStatus(StrEnum):
    """Where a run stands: queued, being worked on, finished well or failed."""

    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


TERMINAL = frozenset({RunStatus.DONE, RunStatus.FAILED})


@dataclass(frozen=True)
class Step:
    """One visible step of a pipeline: its number, code name and the label users read."""

    number: int
    name: str
    label: str


@dataclass(frozen=True)
class Pipeline:
    """A named list of steps ``0 … n``; ``gate`` is the step that waits for the run window."""

    kind: str
    steps: tuple[Step, ...]
    errors: tuple[Step, ...] = ()
    gate: int | None = None

    def __post_init__(self) -> None:
        numbers = [step.number for step in self.steps]
        if numbers != list(range(len(numbers))) or not numbers:
            raise ValueError(f"pipeline {self.kind!r}: steps must be numbered 0, 1, 2, …")
        if any(step.number >= 0 for step in self.errors):
            raise ValueError(f"pipeline {self.kind!r}: error steps have negative numbers")

    @property
    def last(self) -> int:
        """The number of the final step (the run is done when it reaches it)."""
        return self.steps[-1].number

    def step(self, number: int) -> Step:
        """The step (or error step) numbered ``number``."""
        for step in (*self.steps, *self.errors):
            if step.number == number:
                return step
        raise KeyError(number)


class RunFailed(KontorError):
    """A step found the file unusable: the run ends on an error step with cause and advice."""

    code = "exchange.run_failed"
    status = 422
    title = "Import failed"

    def __init__(self, step: int, code: str, message: str, suggestion: str) -> None:
        super().__init__(message, error_code=code, suggestion=suggestion, step=step)
        self.step = step
        self.error_code = code
        self.suggestion = suggestion


@dataclass(frozen=True)
class RunError:
    """Why a run failed and what the user can do about it."""

    code: str
    message: str
    suggestion: str


@dataclass(frozen=True)
class RunState:
    """The state of one run that the pure transitions below move."""

    status: RunStatus = RunStatus.WAITING
    step: int = 0
    completed: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    error: RunError | None = None

    def started(self) -> RunState:
        """A waiting (or abandoned running) run taken up by a runner."""
        if self.status in TERMINAL:
            raise Conflict(f"a {self.status.value} run cannot start again", status=self.status)
        return dataclasses.replace(self, status=RunStatus.RUNNING)

    def entering(self, step: int) -> RunState:
        """The run shows ``step`` while its work runs (only the step after the completed one)."""
        self._require_running()
        if step != self.completed + 1:
            raise Conflict(f"step {step} cannot follow completed step {self.completed}")
        return dataclasses.replace(self, step=step)

    def completing(self, step: int, counts: Mapping[str, int]) -> RunState:
        """The work of ``step`` committed with these counts."""
        self._require_running()
        if step != self.step or step != self.completed + 1:
            raise Conflict(f"step {step} is not the one being worked on ({self.step})")
        return dataclasses.replace(self, completed=step, counts={**self.counts, **counts})

    def parked(self) -> RunState:
        """The run waits (at the gate) for the next run window."""
        self._require_running()
        return dataclasses.replace(self, status=RunStatus.WAITING)

    def finished(self, last: int) -> RunState:
        """Every step's work committed: the run is done."""
        self._require_running()
        if self.completed != last:
            raise Conflict(f"the run completed step {self.completed}, not the last ({last})")
        return dataclasses.replace(self, status=RunStatus.DONE, step=last)

    def failed(self, step: int, error: RunError) -> RunState:
        """The run ends on error step ``step`` (negative) naming the cause."""
        self._require_running()
        if step >= 0:
            raise ValueError("error steps have negative numbers")
        return dataclasses.replace(self, status=RunStatus.FAILED, step=step, error=error)

    def _require_running(self) -> None:
        if self.status is not RunStatus.RUNNING:
            raise Conflict(f"the run is {self.status.value}, not running", status=self.status)
