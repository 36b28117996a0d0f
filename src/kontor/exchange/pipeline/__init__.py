"""Import and export pipelines: named steps with progress, runs users watch, a background runner."""

from kontor.exchange.pipeline.domain import (
    TERMINAL,
    Pipeline,
    RunError,
    RunFailed,
    RunState,
    RunStatus,
    Step,
)
from kontor.exchange.pipeline.runner import (
    PipelineRunner,
    PipelineWork,
    Progress,
    RunnerLoop,
    StepContext,
    StepWork,
)
from kontor.exchange.pipeline.store import MAX_WARNINGS, Run, RunItem, RunItems, RunStore
from kontor.exchange.pipeline.tables import exchange_run_items, exchange_runs
from kontor.exchange.pipeline.window import RunWindow

__all__ = [
    "MAX_WARNINGS",
    "TERMINAL",
    "Pipeline",
    "PipelineRunner",
    "PipelineWork",
    "Progress",
    "Run",
    "RunError",
    "RunFailed",
    "RunItem",
    "RunItems",
    "RunState",
    "RunStatus",
    "RunStore",
    "RunWindow",
    "RunnerLoop",
    "Step",
    "StepContext",
    "StepWork",
    "exchange_run_items",
    "exchange_runs",
]
