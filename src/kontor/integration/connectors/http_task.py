"""The REST connector: the service-task type ``http`` (and a call for schedules).

A task's headers describe the request. A value starting with ``=`` is FEEL over the process
variables (``url``, ``headers``, ``query``, ``body``); others are taken as written. The call
retries network errors and 5xx answers with exponential backoff (tenacity); a 4xx answer is
raised as ``HttpStatusError``, which the process engine throws as the BPMN error named by the
status code. ``resultExpression`` maps ``response`` (status, headers, body) back to variables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from sqlalchemy import Engine
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from kontor.db import reading
from kontor.db.json_codec import dumps, loads
from kontor.errors import InvalidInput, KontorError
from kontor.integration.connectors.auth import ConnectionAuth, TokenCache
from kontor.integration.connectors.store import ConnectionStore, Credentials
from kontor.integration.expressions import Expressions
from kontor.integration.metrics import IntegrationMetrics
from kontor.integration.outbound import OutboundRefused, destination_guard
from kontor.platform import SecretBox

TASK_TYPE = "http"
TENANT_HEADER = "kontor.tenantId"
IDEMPOTENCY_HEADER = "kontor.idempotencyKey"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
TEXT_LIMIT = 2000


class HttpStatusError(KontorError):
    """The server answered 4xx: a business error the process may catch by its status code."""

    code = "connectors.http_status"

    def __init__(self, status_code: int, response: Mapping[str, Any]) -> None:
        super().__init__(f"HTTP {status_code}", status_code=status_code)
        self.status_code = status_code
        self.response = dict(response)


class ConnectorFailed(KontorError):
    """The call failed after its retries (network errors, 5xx); the job retries or raises an
    incident."""

    code = "connectors.failed"
    status = 502


class _Transient(Exception):
    """A failure worth another attempt: no answer, or a 5xx answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConnectorPolicy:
    """Defaults of connector calls; a task's headers may set ``timeoutSeconds``, ``retries``."""

    timeout_seconds: float = 30.0
    retries: int = 3
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    allow_private: bool = True
    """Whether loopback and private networks may be called (see ``outbound``)."""


class HttpConnector:
    """Runs ``http`` service tasks against the tenant's connections."""

    def __init__(
        self,
        engine: Engine,
        box: SecretBox,
        expressions: Expressions,
        policy: ConnectorPolicy = ConnectorPolicy(),
        metrics: IntegrationMetrics | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._engine = engine
        self._box = box
        self._expressions = expressions
        self._policy = policy
        self._metrics = metrics
        self._sleep = sleep
        self._client = httpx.Client(
            follow_redirects=False,
            event_hooks={"request": destination_guard(policy.allow_private)},
        )
        self.tokens = TokenCache()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __call__(self, variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        """Run one ``http`` task: the task handler the process engine calls."""
        tenant_id = headers.get(TENANT_HEADER, "")
        response = self.call(tenant_id, variables, headers)
        result = headers.get("resultExpression")
        if not result:
            name = headers.get("resultVariable")
            return {name: response["body"]} if name else {}
        mapped = self._expressions.evaluate(_feel(result), {**variables, "response": response})
        if not isinstance(mapped, dict):
            raise InvalidInput("resultExpression gave no context", field="resultExpression")
        return mapped

    def call(
        self, tenant_id: str, variables: Mapping[str, Any], spec: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send the request ``spec`` describes; the answer as ``{status, headers, body}``."""
        method = spec.get("method", "GET").upper()
        if method not in METHODS:
            raise InvalidInput(f"one of {', '.join(METHODS)}", field="method")
        url = self._value(spec.get("url"), variables, "url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInput("an http or https URL", field="url")
        request_headers = {
            str(k): str(v)
            for k, v in (self._value(spec.get("headers"), variables, "headers") or {}).items()
        }
        if spec.get("body") is not None:
            request_headers.setdefault("Content-Type", "application/json")
        if IDEMPOTENCY_HEADER in spec:
            request_headers.setdefault("Idempotency-Key", spec[IDEMPOTENCY_HEADER])
        query = self._value(spec.get("query"), variables, "query") or {}
        body = self._value(spec.get("body"), variables, "body")
        credentials = self._credentials(tenant_id, spec.get("connection"))
        label = credentials.name if credentials else "-"
        timeout = float(spec.get("timeoutSeconds", self._policy.timeout_seconds))
        retrying = Retrying(
            stop=stop_after_attempt(int(spec.get("retries", self._policy.retries)) + 1),
            wait=wait_exponential(
                multiplier=self._policy.backoff_base_seconds, max=self._policy.backoff_max_seconds
            ),
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
        )
        started = time.perf_counter()
        outcome = "failed"
        try:
            answer = retrying(
                self._send, method, url, request_headers, query, body, credentials, timeout
            )
            outcome = "ok" if answer["status"] < 400 else "client_error"
        except _Transient as error:
            raise ConnectorFailed(f"{method} {_safe(url)} failed: {error.reason}") from None
        finally:
            if self._metrics is not None:
                self._metrics.connector_calls.labels(label, outcome).inc()
                self._metrics.connector_seconds.labels(label).observe(time.perf_counter() - started)
        if answer["status"] >= 400:
            raise HttpStatusError(answer["status"], answer)
        return answer

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        query: Mapping[str, Any],
        body: Any,
        credentials: Credentials | None,
        timeout: float,
    ) -> dict[str, Any]:
        auth = ConnectionAuth(credentials, self.tokens, self._client) if credentials else None
        try:
            response = self._client.request(
                method,
                url,
                headers=headers,
                params={str(k): _text(v) for k, v in dict(query).items()},
                content=None if body is None else dumps(body).encode("utf-8"),
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=timeout,
            )
        except OutboundRefused as refused:
            raise InvalidInput(str(refused), field="url") from None
        except httpx.HTTPError as error:
            raise _Transient(type(error).__name__) from None
        if response.status_code >= 500:
            raise _Transient(f"HTTP {response.status_code}")
        return {
            "status": response.status_code,
            "headers": dict(response.headers),
            "body": _body(response),
        }

    def _credentials(self, tenant_id: str, name: str | None) -> Credentials | None:
        if not name:
            return None
        with reading(self._engine) as connection:
            return ConnectionStore(connection, tenant_id, self._box).credentials(name)

    def _value(self, given: str | None, variables: Mapping[str, Any], field: str) -> Any:
        if given is None:
            return None
        if not given.startswith("="):
            return given
        try:
            return self._expressions.evaluate(given[1:], variables)
        except Exception as error:
            raise InvalidInput(f"{field}: {error}", field=field) from None


def _feel(text: str) -> str:
    return text[1:] if text.startswith("=") else text


def _body(response: httpx.Response) -> Any:
    if "json" in response.headers.get("content-type", ""):
        try:
            return loads(response.content)
        except ValueError:
            pass
    return response.text[:TEXT_LIMIT]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _safe(url: str) -> str:
    """The URL without its query (which may carry a key) for messages and logs."""
    return url.split("?", 1)[0]
