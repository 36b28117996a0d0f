"""Rules: deploy decision models, evaluate and test them, bind them to hook points."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute, UploadRoute
from kontor.api.params import STORED_INT_MAX, VersionPath
from kontor.api.request_bodies import UploadedFile, uploaded_file
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import Principal
from kontor.rules.deployment import (
    DecisionRecord,
    Deployment,
    HookBinding,
    HookOverview,
)
from kontor.rules.errors import EvaluationLimitExceeded
from kontor.rules.feel import EvaluationBudgetExceeded, to_json
from kontor.rules.scenarios import Scenario, parse_csv_scenarios, parse_json_scenarios

router = APIRouter(prefix="/api/rules", tags=["rules"], route_class=StrictJsonRoute)
uploads = APIRouter(prefix="/api/rules", tags=["rules"], route_class=UploadRoute)
"""Routes that take a file (their own, larger body limit)."""
Version = Annotated[int, Field(ge=1, le=STORED_INT_MAX)]


class DeploymentOut(BaseModel):
    """A deployed version of a decision model."""

    model_key: str
    version: int
    file_name: str
    content_hash: str
    deployed_at: dt.datetime
    deployed_by: str
    warnings: list[dict[str, Any]]

    @classmethod
    def of(cls, deployment: Deployment) -> DeploymentOut:
        """The response body for ``deployment``."""
        fields = {name: getattr(deployment, name) for name in cls.model_fields}
        return cls(**fields)


class DeploymentDetail(DeploymentOut):
    """A deployed version with its DMN XML."""

    xml: str


class EvaluationIn(BaseModel):
    """A decision to evaluate and its input data."""

    decision: str = Field(min_length=1)
    inputs: dict[str, Any] = Field(default_factory=dict)


class EvaluationOut(BaseModel):
    """A decision's value, the messages raised and which rules matched."""

    decision: str
    value: Any
    messages: list[str]
    explanation: dict[str, Any] | None


class BindingIn(BaseModel):
    """The decision a hook point shall ask; without ``version`` it follows the latest."""

    model_key: str = Field(min_length=1)
    decision: str = Field(min_length=1)
    version: Version | None = None


class BindingOut(BaseModel):
    """A hook point's binding."""

    hook: str
    model_key: str
    decision: str
    version: int | None
    bound_at: dt.datetime
    bound_by: str

    @classmethod
    def of(cls, binding: HookBinding) -> BindingOut:
        """The response body for ``binding``."""
        return cls(**{name: getattr(binding, name) for name in cls.model_fields})


class HookPointOut(BaseModel):
    """A hook point applications declared, and its binding in the caller's tenant."""

    name: str
    description: str
    binding: BindingOut | None

    @classmethod
    def of(cls, overview: HookOverview) -> HookPointOut:
        """The response body for ``overview``."""
        binding = BindingOut.of(overview.binding) if overview.binding else None
        return cls(
            name=overview.point.name, description=overview.point.description, binding=binding
        )


class DecisionRecordOut(BaseModel):
    """A decision taken through a hook point."""

    record_id: str
    hook: str
    model_key: str
    version: int
    decision: str
    inputs: dict[str, Any]
    output: Any
    messages: list[str]
    explanation: dict[str, Any]
    decided_at: dt.datetime
    correlation_id: str

    @classmethod
    def of(cls, record: DecisionRecord) -> DecisionRecordOut:
        """The response body for ``record``."""
        return cls(**{name: getattr(record, name) for name in cls.model_fields})


def _request_body(content: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for a body the route reads itself (raw XML, CSV, exact JSON numbers)."""
    return {"requestBody": {"required": True, "content": content}}


_MODEL_UPLOAD = _request_body(
    {
        "application/xml": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    }
)
_SCENARIO_FILE = _request_body(
    {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "text/csv": {"schema": {"type": "string"}},
    }
)


async def _model_upload(request: Request) -> UploadedFile:
    return await uploaded_file(request, default_name="model.dmn")


async def _scenarios(request: Request) -> list[Scenario]:
    if "csv" in request.headers.get("content-type", ""):
        return parse_csv_scenarios((await request.body()).decode("utf-8-sig"))
    return parse_json_scenarios((await request.body()).decode("utf-8"))


@uploads.post("/deployments", status_code=201, openapi_extra=_MODEL_UPLOAD)
def deploy(
    request: Request,
    response: Response,
    upload: Annotated[UploadedFile, Depends(_model_upload)],
    caller: Annotated[Principal, requires("rules:deploy")],
) -> DeploymentOut:
    """Deploy a DMN model (multipart ``file`` or raw XML); known content answers 200."""
    with kontor_of(request).bus.unit_of_work() as uow:
        outcome = kontor_of(request).rules.deploy(uow, caller, upload.content, upload.file_name)
        uow.commit()
    if not outcome.created:
        response.status_code = 200
    return DeploymentOut.of(outcome.deployment)


@router.get("/deployments")
def list_deployments(
    request: Request,
    caller: Annotated[Principal, requires("rules:read")],
    model_key: str | None = None,
) -> list[DeploymentOut]:
    """The tenant's deployments, optionally of one model key."""
    with kontor_of(request).bus.reading() as uow:
        deployments = kontor_of(request).rules.deployments(uow, caller, model_key)
    return [DeploymentOut.of(deployment) for deployment in deployments]


@router.get("/deployments/{model_key}/{version}")
def show_deployment(
    model_key: str,
    version: VersionPath,
    request: Request,
    caller: Annotated[Principal, requires("rules:read")],
) -> DeploymentDetail:
    """One deployment with its XML."""
    with kontor_of(request).bus.reading() as uow:
        deployment = kontor_of(request).rules.deployment(uow, caller, model_key, version)
    return DeploymentDetail(**DeploymentOut.of(deployment).model_dump(), xml=deployment.xml or "")


@router.post("/deployments/{model_key}/{version}/evaluate")
def evaluate(
    model_key: str,
    version: VersionPath,
    request: Request,
    wanted: EvaluationIn,
    caller: Annotated[Principal, requires("rules:evaluate")],
) -> EvaluationOut:
    """Evaluate a decision of a deployment and explain it (nothing is recorded).

    An evaluation beyond a FEEL budget (list size, iterations, time, depth) answers 422 naming
    the limit, rather than a null value with a warning.
    """
    with kontor_of(request).bus.reading() as uow:
        try:
            result = kontor_of(request).rules.evaluate(
                uow, caller, model_key, version, wanted.decision, wanted.inputs, strict=True
            )
        except EvaluationBudgetExceeded as exceeded:
            raise EvaluationLimitExceeded(exceeded.message, limit=exceeded.limit) from None
    return EvaluationOut(
        decision=wanted.decision,
        value=to_json(result.value),
        messages=[str(message) for message in result.messages],
        explanation=result.explanation.to_json() if result.explanation else None,
    )


@uploads.post("/deployments/{model_key}/{version}/scenarios", openapi_extra=_SCENARIO_FILE)
def run_scenarios(
    model_key: str,
    version: VersionPath,
    request: Request,
    scenarios: Annotated[list[Scenario], Depends(_scenarios)],
    caller: Annotated[Principal, requires("rules:evaluate")],
) -> dict[str, Any]:
    """Run test scenarios (JSON list or CSV) against a deployment."""
    with kontor_of(request).bus.reading() as uow:
        report = kontor_of(request).rules.run_scenarios(uow, caller, model_key, version, scenarios)
    return report.to_json()


@router.get("/hooks")
def list_hooks(
    request: Request, caller: Annotated[Principal, requires("rules:read")]
) -> list[HookPointOut]:
    """The hook points applications declared, with the tenant's bindings."""
    with kontor_of(request).bus.reading() as uow:
        return [
            HookPointOut.of(overview) for overview in kontor_of(request).rules.hooks(uow, caller)
        ]


@router.put("/hooks/{hook}")
def bind_hook(
    hook: str,
    body: BindingIn,
    request: Request,
    caller: Annotated[Principal, requires("rules:bind")],
) -> BindingOut:
    """Bind a deployed decision to a hook point (replacing any previous binding)."""
    with kontor_of(request).bus.unit_of_work() as uow:
        binding = kontor_of(request).rules.bind(
            uow, caller, hook, body.model_key, body.decision, body.version
        )
        uow.commit()
    return BindingOut.of(binding)


@router.delete("/hooks/{hook}", status_code=204)
def unbind_hook(
    hook: str, request: Request, caller: Annotated[Principal, requires("rules:bind")]
) -> None:
    """Remove a hook point's binding."""
    with kontor_of(request).bus.unit_of_work() as uow:
        kontor_of(request).rules.unbind(uow, caller, hook)
        uow.commit()


@router.get("/decisions")
def list_decisions(
    request: Request,
    caller: Annotated[Principal, requires("rules:read")],
    hook: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DecisionRecordOut]:
    """The newest decisions taken through hook points, optionally of one hook."""
    with kontor_of(request).bus.reading() as uow:
        records = kontor_of(request).rules.records(uow, caller, hook, limit)
    return [DecisionRecordOut.of(record) for record in records]
