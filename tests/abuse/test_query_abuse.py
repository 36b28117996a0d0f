"""Hostile JSON outside request bodies: a work list's filter and cursor nested far deeper than
any filter needs are a 422 naming the parameter, and the server goes on answering."""

from __future__ import annotations

import base64

import pytest

from support.abuse import AbusedServer

pytestmark = pytest.mark.abuse

TASKS = "/api/tasks"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [900, 2_000])  # below and beyond the parser's recursion
def test_a_deeply_nested_filter_is_refused_naming_it(abused: AbusedServer, depth: int) -> None:
    refused = abused.client.get(TASKS, params={"filter": nested(depth)})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "filter"
    assert "nests deeper than 64 levels" in problem["detail"]
    abused.assert_responsive()


def test_a_forged_cursor_nested_beyond_the_parser_is_refused_naming_it(
    abused: AbusedServer,
) -> None:
    cursor = base64.urlsafe_b64encode(nested(2_000).encode()).decode()
    refused = abused.client.get(TASKS, params={"cursor": cursor})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "cursor"
    abused.assert_responsive()
