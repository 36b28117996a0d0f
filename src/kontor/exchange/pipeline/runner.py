"""The runner: takes up due runs and drives them step by step, each step's work one transaction.

A step's work and the record that it completed commit together; the step shown to users is
written before the work starts. A runner killed mid-step leaves that step's transaction rolled
back and the run ``running`` with a lease; once the lease expired any runner resumes it with the
same step, so every step's work must be safe to run again (idempotent).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import Engine

from kontor.exchange.blobs import BlobStore, StoredBlob
from kontor.exchange.pipeline.domain import Pipeline, RunError, RunFailed, RunState
from kontor.exchange.pipeline.store import MAX_WARNINGS, LostLease, Run, RunQueue, RunStore
from kontor.exchange.pipeline.window import RunWindow
from kontor.messaging import Change, ChangeLog, Clock, UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""How often a run that broke unexpectedly is taken up again before it fails."""


@dataclass
class StepContext:
    """What a step's work sees: the run, the open transaction, the stored file, its tallies."""

    run: Run
    uow: UnitOfWork
    blobs: BlobStore
    scratch: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    def open_file(self) -> BinaryIO:
        """The uploaded file of this run."""
        if self.run.blob_key is None:
            raise RuntimeError(f"run {self.run.run_id} has no stored file any more")
        return self.blobs.open(self.run.blob_key)

    def warn(self, message: str, line: int | None = None) -> None:
        """Note a warning (with the file's line number, if any) in the run's list."""
        self.report["warning_count"] = int(self.report.get("warning_count", 0)) + 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append({"line": line, "message": message})


StepWork = Callable[[StepContext], None]
Progress = Callable[[Run], None]


@dataclass(frozen=True)
class PipelineWork:
    """A pipeline and the work of its steps (a step without work only shows its number)."""

    pipeline: Pipeline
    work: Mapping[int, StepWork]


class PipelineRunner:
    """Runs the registered pipelines' due runs, one tenant's runs one after another."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        blobs: BlobStore,
        *,
        lease: dt.timedelta = dt.timedelta(minutes=15),
        window: RunWindow | None = None,
        runner_id: str | None = None,
        change_log: ChangeLog | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.blobs = blobs
        self.lease = lease
        self.window = window
        self.runner_id = runner_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._works: dict[str, PipelineWork] = {}
        self._change_log = change_log

    def register(self, work: PipelineWork) -> None:
        """Let this runner take up runs of ``work``'s pipeline."""
        self._works[work.pipeline.kind] = work

    def pipeline(self, kind: str) -> Pipeline:
        """The registered pipeline of ``kind``."""
        return self._works[kind].pipeline

    def submit(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        kind: str,
        blob: StoredBlob,
        file_name: str,
        created_by: str,
    ) -> Run:
        """A new waiting run (step 0) for a stored file, written in the caller's transaction."""
        run = RunStore(uow.connection, tenant_id).add(
            self.pipeline(kind),
            file_name=file_name,
            size_bytes=blob.size,
            sha256=blob.sha256,
            blob_key=blob.key,
            created_by=created_by,
            now=uow.clock.now(),
        )  # fmt: skip
        uow.record(
            Change("exchange.run.submitted", "exchange_run", run.run_id,
                   after={"kind": kind, "file_name": file_name, "size_bytes": blob.size}),
            tenant_id, created_by,
        )  # fmt: skip
        return run

    def window_open(self) -> bool:
        """Whether gated steps may run now (always, without a window)."""
        return self.window is None or self.window.is_open(self.clock.now())

    def run_until_idle(self, max_runs: int = 5) -> int:
        """Drive due runs, at most ``max_runs``; how many were taken up."""
        taken = 0
        while taken < max_runs and self.run_one() is not None:
            taken += 1
        return taken

    def run_one(self, run_id: str | None = None, progress: Progress | None = None) -> Run | None:
        """Take up one due run (or ``run_id``) and drive it as far as it goes now."""
        if not self._works:
            return None
        with UnitOfWork(self.engine, self.clock) as uow:
            run = RunQueue(uow.connection).claim(
                {kind: work.pipeline for kind, work in self._works.items()},
                self.runner_id,
                self.clock.now(),
                self.lease,
                window_open=self.window_open(),
                run_id=run_id,
            )
            uow.commit()
        if run is None:
            return None
        try:
            self._drive(run, progress)
        except LostLease:
            log.warning("run %s was taken over by another runner", run.run_id)
        with UnitOfWork(self.engine, self.clock, writes=False) as uow:
            return RunQueue(uow.connection).get(run.run_id)

    def _drive(self, run: Run, progress: Progress | None) -> None:
        work = self._works[run.kind]
        pipeline = work.pipeline
        state = run.state.started()
        scratch: dict[str, Any] = {}
        warnings, report = list(run.warnings), dict(run.report)
        while True:
            following = state.completed + 1
            if following == pipeline.last:  # the final step has no work: it says "done"
                final = state.entering(following).completing(following, {})
                self._save(run, final.finished(pipeline.last), pipeline, warnings, report)
                self._forget_file(run)
                self._tell(progress, run.run_id)
                return
            gated = pipeline.gate is not None and state.completed >= pipeline.gate
            if gated and not self.window_open():
                self._save(run, state.parked(), pipeline, warnings, report)
                self._tell(progress, run.run_id)
                return
            state = state.entering(following)
            self._save(run, state, pipeline, None, None)
            self._tell(progress, run.run_id)
            outcome = self._work_on(run, state, work, scratch, warnings, report)
            if isinstance(outcome, RunState):
                state = outcome
                continue
            self._end_broken(run, state, pipeline, outcome, warnings, report)
            self._tell(progress, run.run_id)
            return

    def _work_on(
        self,
        run: Run,
        state: RunState,
        work: PipelineWork,
        scratch: dict[str, Any],
        warnings: list[dict[str, Any]],
        report: dict[str, Any],
    ) -> RunState | Exception:
        step = state.step
        try:
            with UnitOfWork(self.engine, self.clock, change_log=self._change_log) as uow:
                context = StepContext(run, uow, self.blobs, scratch, {}, list(warnings),
                                      dict(report))  # fmt: skip
                step_work = work.work.get(step)
                if step_work is not None:
                    step_work(context)
                completed = state.completing(step, context.counts)
                name = work.pipeline.step(step).name
                uow.record(
                    Change(f"{run.kind}.{name}", "exchange_run", run.run_id,
                           after=dict(context.counts)),
                    run.tenant_id, run.created_by,
                )  # fmt: skip
                RunQueue(uow.connection).save(
                    run.run_id,
                    completed,
                    work.pipeline,
                    runner=self.runner_id,
                    lease_until=self.clock.now() + self.lease,
                    now=self.clock.now(),
                    warnings=context.warnings,
                    report=context.report,
                )
                uow.commit()
        except LostLease:
            raise
        except Exception as error:
            return error
        warnings[:] = context.warnings
        report.clear()
        report.update(context.report)
        return completed

    def _end_broken(
        self,
        run: Run,
        state: RunState,
        pipeline: Pipeline,
        error: Exception,
        warnings: list[dict[str, Any]],
        report: dict[str, Any],
    ) -> None:
        if isinstance(error, RunFailed):
            failed = state.failed(error.step, RunError(error.error_code, error.message,
                                                       error.suggestion))  # fmt: skip
            self._save(run, failed, pipeline, warnings, report)
            self._forget_file(run)
            return
        log.error("run %s broke in step %s", run.run_id, state.step, exc_info=error)
        if run.attempts < MAX_ATTEMPTS:
            self._save(run, state.parked(), pipeline, warnings, report)
            return
        failed = state.failed(
            -1,
            RunError(
                "exchange.run_broke",
                f"the run broke {run.attempts} times in step {state.step} "
                f"({type(error).__name__}: {error})",
                "Laden Sie die Datei später erneut hoch; scheitert sie wieder, wenden Sie sich "
                "mit der Lauf-ID an den Support.",
            ),
        )
        self._save(run, failed, pipeline, warnings, report)
        self._forget_file(run)

    def _save(
        self,
        run: Run,
        state: RunState,
        pipeline: Pipeline,
        warnings: list[dict[str, Any]] | None,
        report: dict[str, Any] | None,
    ) -> None:
        with UnitOfWork(self.engine, self.clock) as uow:
            now = self.clock.now()
            RunQueue(uow.connection).save(
                run.run_id,
                state,
                pipeline,
                runner=self.runner_id,
                lease_until=now + self.lease,
                now=now,
                warnings=warnings,
                report=report,
            )
            uow.commit()

    def _forget_file(self, run: Run) -> None:
        if run.blob_key is not None:
            self.blobs.delete(run.blob_key)

    def _tell(self, progress: Progress | None, run_id: str) -> None:
        if progress is None:
            return
        with UnitOfWork(self.engine, self.clock, writes=False) as uow:
            progress(RunQueue(uow.connection).get(run_id))


class RunnerLoop:
    """A daemon thread that lets the runner take up due runs every ``interval`` seconds."""

    def __init__(self, runner: PipelineRunner, interval: float) -> None:
        self._runner = runner
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the loop."""
        self._thread = threading.Thread(target=self._run, name="kontor-runs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the loop, waiting at most ``timeout`` seconds; whether it stopped."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._runner.run_until_idle()
            except Exception:
                log.exception("pipeline runner round failed; trying again")
