"""Camunda 7's ``/process-definition`` and ``/deployment/create`` resources."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.params import STORED_INT_MAX
from kontor.api.request_bodies import storable_variables
from kontor.api.routes.process_definitions import report_of
from kontor.api.wiring import kontor_of
from kontor.camunda7.auth import requires
from kontor.camunda7.definition_rows import definition_by_id, definition_dto, latest_by_key
from kontor.camunda7.errors import CamundaRoute, CamundaUploadRoute, InvalidRequest, RestNotFound
from kontor.camunda7.instance_views import instance_dto
from kontor.camunda7.multipart import form_parts
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.variables import camunda_date, from_camunda, to_camunda
from kontor.platform import Principal
from kontor.process import DeployProcess, Severity, StartProcess
from kontor.process.errors import InvalidProcessModel, ProcessNotFound
from kontor.process.store import DeployedDefinition, InstanceStore, content_hash
from kontor.process.store.queries import ProcessQueries

router = APIRouter(tags=["Camunda 7: process definitions"], route_class=CamundaRoute)
uploads = APIRouter(tags=["Camunda 7: deployments"], route_class=CamundaUploadRoute)
Reader = Annotated[Principal, requires("process:read")]
Starter = Annotated[Principal, requires("process:start")]
Deployer = Annotated[Principal, requires("process:deploy")]
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".bpmn2")


class StartIn(CamundaBody):
    """Camunda's StartProcessInstanceDto: variables, business key, what to answer."""

    variables: dict[str, Any] | None = None
    business_key: str | None = Field(default=None, max_length=200)
    case_instance_id: str | None = None
    with_variables_in_return: bool = False
    skip_custom_listeners: bool = False
    skip_io_mappings: bool = False


@router.get("/process-definition")
def list_definitions(
    request: Request,
    caller: Reader,
    key: Annotated[str | None, Query(max_length=200)] = None,
    latest_version: Annotated[bool, Query(alias="latestVersion")] = False,
    first_result: Annotated[int, Query(alias="firstResult", ge=0, le=STORED_INT_MAX)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=0, le=10_000)] = 10_000,
) -> list[dict[str, Any]]:
    """The tenant's deployed versions, optionally of one key or only the newest of each."""
    return [definition_dto(d) for d in _definitions(request, caller, key, latest_version)][
        first_result : first_result + max_results
    ]


@router.get("/process-definition/count")
def count_definitions(
    request: Request,
    caller: Reader,
    key: Annotated[str | None, Query(max_length=200)] = None,
    latest_version: Annotated[bool, Query(alias="latestVersion")] = False,
) -> dict[str, int]:
    """How many deployed versions match."""
    return {"count": len(_definitions(request, caller, key, latest_version))}


@router.get("/process-definition/key/{process_key}")
def show_latest(process_key: str, request: Request, caller: Reader) -> dict[str, Any]:
    """The newest version of process ``process_key``."""
    return definition_dto(_latest(request, caller, process_key))


@router.get("/process-definition/key/{process_key}/xml")
def latest_xml(process_key: str, request: Request, caller: Reader) -> dict[str, Any]:
    """The BPMN XML of the newest version of process ``process_key``."""
    found = _latest(request, caller, process_key)
    return {"id": found.definition_id, "bpmn20Xml": found.bpmn_xml}


@router.post("/process-definition/key/{process_key}/start")
def start_by_key(process_key: str, body: StartIn, request: Request, caller: Starter) -> Response:
    """Start the newest version of process ``process_key``."""
    return _start(request, caller, _latest(request, caller, process_key), body)


@router.post("/process-definition/key/{process_key}/tenant-id/{tenant_id}/start")
def start_by_key_of_tenant(
    process_key: str, tenant_id: str, body: StartIn, request: Request, caller: Starter
) -> Response:
    """Start process ``process_key`` of a tenant: the caller's own only (others: 404)."""
    if tenant_id != caller.tenant_id:
        raise RestNotFound(
            f"No matching process definition with key: {process_key} and tenant-id: {tenant_id}"
        )
    return _start(request, caller, _latest(request, caller, process_key), body)


@router.get("/process-definition/{definition_id}")
def show_definition(definition_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """One deployed version."""
    return definition_dto(_by_id(request, caller, definition_id))


@router.get("/process-definition/{definition_id}/xml")
def definition_xml(definition_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """The BPMN XML of one deployed version."""
    found = _by_id(request, caller, definition_id)
    return {"id": found.definition_id, "bpmn20Xml": found.bpmn_xml}


@router.post("/process-definition/{definition_id}/start")
def start_by_id(definition_id: str, body: StartIn, request: Request, caller: Starter) -> Response:
    """Start a deployed version; Kontor starts only the newest version of a process."""
    found = _by_id(request, caller, definition_id)
    if _latest(request, caller, found.process_key).definition_id != found.definition_id:
        raise InvalidRequest(
            f"Kontor starts only the newest version of {found.process_key}; "
            f"{definition_id} is version {found.version}"
        )
    return _start(request, caller, found, body)


@uploads.post("/deployment/create")
async def create_deployment(request: Request, caller: Deployer) -> Response:
    """Deploy the BPMN files of a multipart form; unchanged processes keep their version."""
    fields, files = form_parts(request.headers.get("content-type", ""), await request.body())
    if not files:
        raise InvalidRequest("No deployment resources contained in the form upload.")
    if fields.get("tenant-id") not in (None, "", caller.tenant_id):
        raise InvalidRequest("a deployment goes to the caller's own tenant only")
    only_changed = fields.get("deploy-changed-only") == "true"
    filtering = only_changed or fields.get("enable-duplicate-filtering") == "true"
    kontor = kontor_of(request)
    deployed: dict[str, dict[str, Any]] = {}
    for name, content in files:
        bpmn_xml = _bpmn_text(name, content)
        with kontor.bus.reading() as uow:
            known = ProcessQueries(uow.connection, caller.tenant_id).definitions_with_content(
                content_hash(bpmn_xml)
            )
        definitions: list[DeployedDefinition] = kontor.bus.handle(
            DeployProcess(tenant_id=caller.tenant_id, bpmn_xml=bpmn_xml, source_name=name,
                          actor=caller.user_id)
        )  # fmt: skip
        for definition in definitions:
            if not (filtering and definition.definition_id in known):
                deployed[definition.definition_id] = definition_dto(definition)
    moment = kontor.clock.now()
    return ExactJSONResponse({
        "id": str(uuid.uuid4()),
        "name": fields.get("deployment-name"),
        "source": fields.get("deployment-source"),
        "tenantId": caller.tenant_id,
        "deploymentTime": camunda_date(moment),
        "links": [],
        "deployedProcessDefinitions": deployed or None,
        "deployedCaseDefinitions": None,
        "deployedDecisionDefinitions": None,
        "deployedDecisionRequirementsDefinitions": None,
    })  # fmt: skip


def _bpmn_text(name: str, content: bytes) -> str:
    if not name.lower().endswith(BPMN_SUFFIXES):
        raise InvalidRequest(f"Kontor deploys BPMN files here; {name} is none (.bpmn)")
    try:
        bpmn_xml = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(f"{name} is not UTF-8 text") from None
    report = report_of(bpmn_xml, name)
    errors = [issue for issue in report.issues if issue.severity == Severity.ERROR.value]
    if errors:
        raise InvalidProcessModel(f"ENGINE-09005 Could not parse BPMN process. {errors[0].message}")
    return bpmn_xml


def _definitions(
    request: Request, caller: Principal, key: str | None, latest: bool
) -> list[DeployedDefinition]:
    with kontor_of(request).bus.reading() as uow:
        queries = ProcessQueries(uow.connection, caller.tenant_id)
        summaries = queries.definitions(key, latest_only=latest)
        return [queries.definition(s.process_key, s.version) for s in summaries]


def _latest(request: Request, caller: Principal, key: str) -> DeployedDefinition:
    with kontor_of(request).bus.reading() as uow:
        try:
            return latest_by_key(uow.connection, caller.tenant_id, key)
        except ProcessNotFound as missing:
            raise RestNotFound(missing.message) from None


def _by_id(request: Request, caller: Principal, definition_id: str) -> DeployedDefinition:
    with kontor_of(request).bus.reading() as uow:
        return definition_by_id(uow.connection, caller.tenant_id, definition_id)


def _start(
    request: Request, caller: Principal, definition: DeployedDefinition, body: StartIn
) -> Response:
    variables = storable_variables(request, from_camunda(body.variables))
    kontor = kontor_of(request)
    instance_id: str = kontor.bus.handle(
        StartProcess(
            tenant_id=caller.tenant_id, process_key=definition.process_key, variables=variables,
            business_key=body.business_key, actor=caller.user_id,
        )
    )  # fmt: skip
    with kontor.bus.reading() as uow:
        record = InstanceStore(uow.connection, caller.tenant_id).get(instance_id)
    answer = instance_dto(record)
    if body.with_variables_in_return:
        answer["variables"] = to_camunda(record.state.variables)
    return ExactJSONResponse(answer)
