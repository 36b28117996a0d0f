"""Request bodies of Camunda's external-task resource, with Camunda's camelCase names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from kontor.api.params import DURATION_MS_MAX, STORED_INT_MAX
from kontor.camunda7.errors import NotSupported

LONG_POLL_MAX_MS = 1_800_000
"""The longest ``asyncResponseTimeout`` Camunda 7 accepts (30 minutes)."""


class CamundaBody(BaseModel):
    """A Camunda request body: camelCase names; properties Kontor does not read are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class TopicIn(CamundaBody):
    """One topic of a fetch: its name, lock duration and which variables to send."""

    topic_name: str = Field(min_length=1, max_length=200)
    lock_duration: int = Field(ge=1, le=DURATION_MS_MAX)
    variables: list[str] | None = None
    local_variables: bool = False
    deserialize_values: bool = False
    include_extension_properties: bool = False
    process_variables: dict[str, Any] | None = None
    business_key: str | None = None
    process_definition_id: str | None = None
    process_definition_id_in: list[str] | None = None
    process_definition_key: str | None = None
    process_definition_key_in: list[str] | None = None
    process_definition_version_tag: str | None = None
    without_tenant_id: bool = False
    tenant_id_in: list[str] | None = None

    def refuse_unsupported(self) -> None:
        """Refuse the topic filters Kontor does not apply (a worker would get the wrong tasks)."""
        used = [
            name
            for name in (
                "process_variables", "business_key", "process_definition_id",
                "process_definition_id_in", "process_definition_key",
                "process_definition_key_in", "process_definition_version_tag", "tenant_id_in",
            )
            if getattr(self, name)
        ] + (["without_tenant_id"] if self.without_tenant_id else [])  # fmt: skip
        if used:
            names = ", ".join(to_camel(name) for name in used)
            raise NotSupported(f"Kontor does not filter fetched tasks by {names}")


class SortingIn(CamundaBody):
    """A fetch's order; Kontor hands out the oldest due tasks first."""

    sort_by: str
    sort_order: str = "asc"


class FetchIn(CamundaBody):
    """A worker's fetch: its id, how many tasks at most, the topics, how long to wait."""

    worker_id: str = Field(min_length=1, max_length=100)
    max_tasks: int = Field(default=10, ge=0, le=1000)
    use_priority: bool = False
    async_response_timeout: int | None = Field(default=None, ge=0, le=LONG_POLL_MAX_MS)
    topics: list[TopicIn] = Field(default_factory=list, max_length=100)
    sorting: list[SortingIn] | None = None

    def model_post_init(self, context: Any, /) -> None:
        """Refuse an order other than oldest first (Camunda's ``createTime`` ascending)."""
        del context
        for order in self.sorting or []:
            if (order.sort_by, order.sort_order) != ("createTime", "asc"):
                raise NotSupported(
                    f"Kontor hands out the oldest tasks first; sorting by {order.sort_by} "
                    f"{order.sort_order} is not supported"
                )


class CompleteIn(CamundaBody):
    """The worker's result; ``localVariables`` end with the task (Kontor keeps none)."""

    worker_id: str = Field(min_length=1)
    variables: dict[str, Any] | None = None
    local_variables: dict[str, Any] | None = None


class FailureIn(CamundaBody):
    """Why the worker failed, the retries left and when to offer the task again."""

    worker_id: str = Field(min_length=1)
    error_message: str | None = None
    error_details: str | None = None
    retries: int = Field(ge=0, le=STORED_INT_MAX)
    retry_timeout: int = Field(default=0, ge=0, le=DURATION_MS_MAX)


class BpmnErrorIn(CamundaBody):
    """A business error for an error boundary event to catch."""

    worker_id: str = Field(min_length=1)
    error_code: str = Field(min_length=1)
    error_message: str | None = None
    variables: dict[str, Any] | None = None


class ExtendLockIn(CamundaBody):
    """How long from now the worker keeps its lock."""

    worker_id: str = Field(min_length=1)
    new_duration: int = Field(ge=1, le=DURATION_MS_MAX)
