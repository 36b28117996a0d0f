"""Hostile request bodies: numbers that would change, deep nesting, huge and slow bodies."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest

from support.abuse import PATIENCE, AbusedServer, read_response

pytestmark = pytest.mark.abuse

START = "/api/process/definitions/Wait/start"
EVALUATE = "/api/rules/deployments/risk/1/evaluate"
JSON = {"content-type": "application/json"}
MIB = 1024 * 1024
NUMBERS = {
    "NaN": "NaN is not a number; JSON numbers are finite",
    "Infinity": "Infinity is not a number; JSON numbers are finite",
    "-Infinity": "-Infinity is not a number; JSON numbers are finite",
    "1e999": "the number needs 1000 digits written out; at most 100 are accepted",
    "1e9999999": "the number needs 10000000 digits written out; at most 100 are accepted",
    "9" * 5000: "the number needs 5000 digits written out; at most 100 are accepted",
}


def _post(abused: AbusedServer, path: str, body: str | bytes) -> httpx.Response:
    return abused.client.post(path, content=body, headers=JSON)


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.headers["content-type"]) == (
        status,
        "application/problem+json",
    ), response.text
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    return problem


@pytest.mark.parametrize("literal", list(NUMBERS))
def test_a_start_with_a_number_that_would_change_is_refused_naming_the_field(
    abused: AbusedServer, literal: str
) -> None:
    before = abused.row_counts()
    body = f'{{"variables": {{"claim": {{"amount": {literal}}}}}, "business_key": "abuse"}}'
    problem = _problem(_post(abused, START, body), 422, "kontor.invalid_request")
    assert problem["errors"] == [
        {
            "location": "body.variables.claim.amount",
            "message": NUMBERS[literal],
            "type": "json_invalid",
        }
    ]
    assert abused.row_counts() == before


@pytest.mark.parametrize("literal", list(NUMBERS))
def test_an_evaluation_with_a_number_that_would_change_is_refused_naming_the_field(
    abused: AbusedServer, literal: str
) -> None:
    before = abused.row_counts()
    body = f'{{"decision": "premium", "inputs": {{"Sum Insured": {literal}}}}}'
    problem = _problem(_post(abused, EVALUATE, body), 422, "kontor.invalid_request")
    assert [error["location"] for error in problem["errors"]] == ["body.inputs.Sum Insured"]
    assert problem["errors"][0]["message"] == NUMBERS[literal]
    assert abused.row_counts() == before


def test_an_evaluation_with_exact_numbers_still_answers(abused: AbusedServer) -> None:
    inputs = '{"Sum Insured": 250000.50, "Line of Business": "household"}'
    body = f'{{"decision": "premium", "inputs": {inputs}}}'
    assert _post(abused, EVALUATE, body).status_code == 200


@pytest.mark.parametrize(
    ("depth", "location"),
    [(200, "body.variables.a" + ".0" * 62), (100_000, "body")],
)
def test_deep_nesting_is_refused(abused: AbusedServer, depth: int, location: str) -> None:
    before = abused.row_counts()
    body = '{"variables": {"a": ' + "[" * depth + "]" * depth + "}}"
    problem = _problem(_post(abused, START, body), 422, "kontor.invalid_request")
    assert problem["errors"] == [
        {"location": location, "message": "nesting deeper than 64 levels", "type": "json_invalid"}
    ]
    assert abused.row_counts() == before


def test_a_string_over_the_body_limit_is_refused_naming_the_limit(abused: AbusedServer) -> None:
    before = abused.row_counts()
    body = json.dumps({"variables": {"note": "x" * (2 * MIB)}})
    problem = _problem(_post(abused, START, body), 413, "kontor.body_too_large")
    assert problem["limit_bytes"] == MIB
    assert abused.row_counts() == before


@pytest.mark.parametrize(
    "variables",
    [{"note": "x" * 400_000}, {f"v{index}": index for index in range(40_000)}],
    ids=["huge string", "many variables"],
)
def test_variables_over_their_limit_are_refused_naming_the_limit(
    abused: AbusedServer, variables: dict[str, Any]
) -> None:
    before = abused.row_counts()
    response = _post(abused, START, json.dumps({"variables": variables}))
    problem = _problem(response, 413, "kontor.variables_too_large")
    assert (problem["field"], problem["limit_bytes"]) == ("variables", 256 * 1024)
    assert abused.row_counts() == before


def test_a_50_mb_body_is_refused_before_it_is_sent(abused: AbusedServer) -> None:
    before = abused.row_counts()
    declared = 50 * MIB
    with abused.open_request(
        f"POST {START} HTTP/1.1\nHost: kontor\nContent-Type: application/json\n"
        f"Content-Length: {declared}",
        b'{"variables": {"note": "' + b"x" * 65536,
    ) as connection:
        # 64 KiB of 50 MiB sent; the server has answered (or will) without waiting for the rest.
        abused.assert_responsive()
        status, headers, problem = read_response(connection)
    assert (status, headers["content-type"]) == (413, "application/problem+json")
    assert (problem["code"], problem["limit_bytes"]) == ("kontor.body_too_large", MIB)
    assert abused.row_counts() == before


def test_a_slow_body_does_not_hold_up_other_requests(abused: AbusedServer) -> None:
    before = abused.row_counts()
    with abused.open_request(
        f"POST {START} HTTP/1.1\nHost: kontor\nContent-Type: application/json\nContent-Length: 200",
        b'{"variables": {"amount": 1',
    ):
        abused.assert_responsive()  # while the slow body is still being sent
        started = _post(abused, START, '{"business_key": "unrelated"}')
        assert started.status_code == 201
    after = abused.row_counts()
    assert after["process_instances"] == before["process_instances"] + 1  # the unrelated one


def test_a_huge_number_from_a_caller_without_login_is_refused_as_unauthenticated(
    abused: AbusedServer,
) -> None:
    before = abused.row_counts()
    body = '{"decision": "premium", "inputs": {"Sum Insured": ' + "9" * 5000 + "}}"
    with httpx.Client(base_url=str(abused.client.base_url), timeout=PATIENCE) as anonymous:
        for path in (EVALUATE, START):
            answer = anonymous.post(path, content=body, headers=JSON)
            assert answer.status_code == 401, answer.text  # not a 500, not a 422 to a stranger
    assert abused.row_counts() == before


def test_a_decision_input_of_the_wrong_type_is_null_with_a_warning_naming_it(
    abused: AbusedServer,
) -> None:
    before = abused.row_counts()
    body = {"decision": "Risk Class", "inputs": {"Line of Business": 7, "Sum Insured": "x"}}
    answer = abused.client.post(EVALUATE, json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["value"] is None  # no rule matched a null line of business: no catch-all
    warned = " ".join(result["messages"])
    assert "Sum Insured" in warned, result["messages"]
    assert "Line of Business" in warned, result["messages"]
    assert abused.row_counts() == before
