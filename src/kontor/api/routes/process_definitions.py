"""Process definitions: validate and deploy BPMN models, list and show deployed versions."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from kontor.api.body_routes import StrictJsonRoute, UploadRoute
from kontor.api.params import VersionPath
from kontor.api.request_bodies import UploadedFile, uploaded_file
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.errors import InvalidInput
from kontor.platform import Principal
from kontor.process import BpmnImportError, DeployProcess, Severity, parse_bpmn, validate, verdicts
from kontor.process.errors import InvalidProcessModel
from kontor.process.store import DeployedDefinition, content_hash
from kontor.process.store.queries import DefinitionSummary, ProcessQueries

router = APIRouter(prefix="/api/process", tags=["process"], route_class=StrictJsonRoute)
uploads = APIRouter(prefix="/api/process", tags=["process"], route_class=UploadRoute)
"""Routes that take a file (their own, larger body limit)."""


class IssueOut(BaseModel):
    """A finding of the validation, positioned at an element (or a line of the file)."""

    severity: str
    code: str
    message: str
    process_id: str | None
    element_id: str | None
    line: int | None


class VerdictOut(BaseModel):
    """Whether a process of the file can be deployed for execution, and why not."""

    process_id: str
    executable: bool
    reasons: list[str]


class ValidationReport(BaseModel):
    """The validation of a BPMN file: valid when no issue is an error."""

    valid: bool
    issues: list[IssueOut]
    processes: list[VerdictOut]


@dataclass(frozen=True)
class DeployedOut(DefinitionSummary):
    """A process of an uploaded file: its version, and whether that content was deployed before."""

    unchanged: bool


@dataclass(frozen=True)
class DefinitionDetail(DefinitionSummary):
    """A deployed version with its BPMN XML (for a viewer)."""

    bpmn_xml: str


def _summary(definition: DeployedDefinition) -> dict[str, Any]:
    """The fields of ``definition`` that lists show."""
    return {field.name: getattr(definition, field.name) for field in fields(DefinitionSummary)}


_BPMN_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def _bpmn_upload(request: Request) -> UploadedFile:
    return await uploaded_file(request, default_name="model.bpmn")


def _text(upload: UploadedFile) -> str:
    try:
        return upload.content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{upload.file_name} is not UTF-8 text (byte {error.start})", field="file"
        ) from None


def report_of(bpmn_xml: str, source_name: str) -> ValidationReport:
    """Validate a BPMN document; an unreadable one is reported as one error issue."""
    try:
        definitions = parse_bpmn(bpmn_xml, source_name)
    except BpmnImportError as error:
        issue = IssueOut(
            severity=Severity.ERROR.value, code=error.code, message=str(error),
            process_id=None, element_id=error.element_id, line=error.line,
        )  # fmt: skip
        return ValidationReport(valid=False, issues=[issue], processes=[])
    issues = [
        IssueOut(
            severity=issue.severity.value,
            code=issue.code,
            message=issue.message,
            process_id=issue.process_id,
            element_id=issue.element_id,
            line=issue.line,
        )
        for issue in validate(definitions)
    ]
    processes = [
        VerdictOut(process_id=v.process_id, executable=v.executable, reasons=list(v.reasons))
        for v in verdicts(definitions).values()
    ]
    valid = all(issue.severity != Severity.ERROR.value for issue in issues)
    return ValidationReport(valid=valid, issues=issues, processes=processes)


@uploads.post("/validate", openapi_extra=_BPMN_UPLOAD)
def validate_model(
    upload: Annotated[UploadedFile, Depends(_bpmn_upload)],
    caller: Annotated[Principal, requires("process:deploy")],
) -> ValidationReport:
    """Validate a BPMN file (multipart ``file`` or raw XML) without deploying it."""
    return report_of(_text(upload), upload.file_name)


@uploads.post("/definitions", status_code=201, openapi_extra=_BPMN_UPLOAD)
def deploy(
    request: Request,
    response: Response,
    upload: Annotated[UploadedFile, Depends(_bpmn_upload)],
    caller: Annotated[Principal, requires("process:deploy")],
) -> list[DeployedOut]:
    """Deploy the executable processes of a BPMN file; if none changed the answer is 200."""
    bpmn_xml = _text(upload)
    report = report_of(bpmn_xml, upload.file_name)
    errors = [issue for issue in report.issues if issue.severity == Severity.ERROR.value]
    if errors:
        raise InvalidProcessModel(
            f"{upload.file_name} cannot be deployed: {errors[0].message}",
            issues=[issue.model_dump() for issue in errors],
        )
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        known = ProcessQueries(uow.connection, caller.tenant_id).definitions_with_content(
            content_hash(bpmn_xml)
        )
    deployed: list[DeployedDefinition] = kontor.bus.handle(
        DeployProcess(
            tenant_id=caller.tenant_id, bpmn_xml=bpmn_xml, source_name=upload.file_name,
            actor=caller.user_id,
        )
    )  # fmt: skip
    answer = [DeployedOut(**_summary(d), unchanged=d.definition_id in known) for d in deployed]
    if all(definition.unchanged for definition in answer):
        response.status_code = 200
    return answer


@router.get("/definitions")
def list_definitions(
    request: Request,
    caller: Annotated[Principal, requires("process:read")],
    process_key: str | None = None,
    latest: bool = False,
) -> list[DefinitionSummary]:
    """The tenant's deployed versions, optionally of one key or only the newest of each."""
    with kontor_of(request).bus.reading() as uow:
        return ProcessQueries(uow.connection, caller.tenant_id).definitions(
            process_key, latest_only=latest
        )


@router.get("/definitions/{process_key}/{version}")
def show_definition(
    process_key: str,
    version: VersionPath,
    request: Request,
    caller: Annotated[Principal, requires("process:read")],
) -> DefinitionDetail:
    """One deployed version with its BPMN XML."""
    with kontor_of(request).bus.reading() as uow:
        found = ProcessQueries(uow.connection, caller.tenant_id).definition(process_key, version)
    return DefinitionDetail(**_summary(found), bpmn_xml=found.bpmn_xml)
