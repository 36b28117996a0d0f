"""GDV import: upload a file, watch its run step by step (k/9), read its report and contracts.

The upload streams to disk under ``KONTOR_IMPORT_MAX_BYTES`` (413 naming the limit, nothing
kept); the background runner takes the run up. The file's contracts are listed from step 5 on.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from kontor.api.body_routes import StreamingUploadRoute, StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.streamed_uploads import FILE_UPLOAD, StreamedFile, stream_upload
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.exchange.pipeline import PipelineRunner, Run, RunItems, RunStore
from kontor.platform import Principal
from kontor.portfolio import GDV_IMPORT, GDV_PIPELINE

PREFIX = "/api/portfolio/imports"
router = APIRouter(prefix=PREFIX, tags=["portfolio"], route_class=StrictJsonRoute)
uploads = APIRouter(prefix=PREFIX, tags=["portfolio"], route_class=StreamingUploadRoute)
"""The upload route: it streams its file itself (its own size limit)."""
RunId = Annotated[str, Path(max_length=36)]
IMPORT = "portfolio:import"


class RunError(BaseModel):
    """Why a run failed and what to do."""

    code: str
    message: str
    suggestion: str


class ImportRunOut(BaseModel):
    """One import run as the list shows it: file, step k/9, counts, outcome."""

    run_id: str
    file_name: str
    size_bytes: int
    sha256: str
    status: str
    step: int
    steps: int
    step_name: str
    step_text: str
    counts: dict[str, int]
    error: RunError | None
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, run: Run) -> ImportRunOut:
        """The response body for ``run``."""
        step = GDV_PIPELINE.step(run.step_number)
        error = None
        if run.error_code is not None:
            error = RunError(
                code=run.error_code,
                message=run.error_message or "",
                suggestion=run.error_suggestion or "",
            )
        return cls(
            run_id=run.run_id,
            file_name=run.file_name,
            size_bytes=run.size_bytes,
            sha256=run.sha256,
            status=run.status.value,
            step=run.step_number,
            steps=GDV_PIPELINE.last,
            step_name=step.name,
            step_text=f"Schritt {run.step_number}/{GDV_PIPELINE.last}: {step.label}",
            counts=run.counts,
            error=error,
            created_by=run.created_by,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class ImportReportOut(ImportRunOut):
    """A run with its report: skipped contracts, merges and warnings with line numbers."""

    report: dict[str, Any]
    warnings: list[dict[str, Any]]


class ImportContractOut(BaseModel):
    """One contract of the file: loaded or skipped (with the reason)."""

    item_no: int
    line: int | None
    policy_number: str
    outcome: str
    reason: str | None
    contract: dict[str, Any]


def _runner(kontor: Kontor) -> PipelineRunner:
    if kontor.imports is None:
        raise RuntimeError("this Kontor process was wired without an import runner")
    return kontor.imports


@uploads.post("", status_code=201, openapi_extra=FILE_UPLOAD)
async def upload_gdv_file(
    request: Request, caller: Annotated[Principal, requires(IMPORT)]
) -> ImportRunOut:
    """Upload a GDV file (multipart ``file`` or the raw body); its run starts at step 0/9."""
    kontor = kontor_of(request)
    runner = _runner(kontor)
    streamed = await stream_upload(
        request, runner.blobs, kontor.settings.import_max_bytes, default_name="upload.gdv"
    )
    try:
        run = await run_in_threadpool(_submit, kontor, runner, caller, streamed)
    except BaseException:
        runner.blobs.delete(streamed.blob.key)
        raise
    return ImportRunOut.of(run)


def _submit(kontor: Kontor, runner: PipelineRunner, caller: Principal, file: StreamedFile) -> Run:
    with kontor.bus.unit_of_work() as uow:
        run = runner.submit(
            uow, caller.tenant_id, GDV_IMPORT, file.blob, file.file_name, caller.user_id
        )
        uow.commit()
    return run


@router.get("")
def list_imports(
    request: Request,
    caller: Annotated[Principal, requires(IMPORT)],
    before: Annotated[str | None, Query(max_length=36, description="a run id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ImportRunOut]:
    """The tenant's import runs, newest first, with their step k/9 and counts."""
    with kontor_of(request).bus.reading() as uow:
        runs = RunStore(uow.connection, caller.tenant_id).list(GDV_IMPORT, limit=limit,
                                                              before=before)  # fmt: skip
    return [ImportRunOut.of(run) for run in runs]


@router.get("/{run_id}")
def show_import(
    run_id: RunId, request: Request, caller: Annotated[Principal, requires(IMPORT)]
) -> ExactJSONResponse:
    """One run with its report (counts, skipped contracts, merges, warnings with lines)."""
    with kontor_of(request).bus.reading() as uow:
        run = RunStore(uow.connection, caller.tenant_id).get(run_id, GDV_IMPORT)
    body = ImportReportOut(
        **ImportRunOut.of(run).model_dump(), report=run.report, warnings=run.warnings
    )
    return ExactJSONResponse(body.model_dump(mode="python"))


@router.get("/{run_id}/contracts")
def list_import_contracts(
    run_id: RunId,
    request: Request,
    caller: Annotated[Principal, requires(IMPORT)],
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="an item number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ExactJSONResponse:
    """The contracts of the file in file order (filled once the run reached step 5/9)."""
    with kontor_of(request).bus.reading() as uow:
        RunStore(uow.connection, caller.tenant_id).get(run_id, GDV_IMPORT)
        items = RunItems(uow.connection, caller.tenant_id).page(run_id, after=after, limit=limit)
    body = [
        ImportContractOut(
            item_no=item.item_no,
            line=item.line,
            policy_number=item.item_key,
            outcome=item.outcome,
            reason=item.reason,
            contract={key: value for key, value in item.data.items()
                      if key not in ("load", "plan")},
        ).model_dump(mode="python")
        for item in items
    ]  # fmt: skip
    return ExactJSONResponse(body)
