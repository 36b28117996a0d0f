"""Tokens indexed by scope: scope checks cost what the scope holds, not the whole instance."""

from __future__ import annotations

import copy
import pickle

import pytest

from kontor.process.runtime.state import Token
from kontor.process.runtime.token_table import TokenTable


def table() -> TokenTable:
    return TokenTable(
        {
            "t1": Token(id="t1", scope_id="root", element_id="A"),
            "t2": Token(id="t2", scope_id="body", element_id="B"),
            "t3": Token(id="t3", scope_id="body", element_id="B"),
        }
    )


def test_tokens_are_found_by_scope_and_leave_it_when_removed():
    tokens = table()
    assert [t.id for t in tokens.in_scope("body")] == ["t2", "t3"]
    del tokens["t2"]
    assert tokens.pop("t3").id == "t3"
    assert tokens.pop("t3", None) is None
    assert tokens.count_in("body") == 0
    assert tokens.in_scope("body") == []
    with pytest.raises(KeyError):
        tokens.pop("t3")
    tokens["t4"] = Token(id="t4", scope_id="body", element_id="B")
    assert [t.id for t in tokens.in_scope("body")] == ["t4"]
    assert tokens.count_in("root") == 1


@pytest.mark.parametrize(
    "duplicate", [copy.copy, copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t))]
)
def test_copies_keep_a_correct_index(duplicate):
    original = table()
    copied = duplicate(original)
    del copied["t2"]
    assert [t.id for t in copied.in_scope("body")] == ["t3"]
    assert [t.id for t in original.in_scope("body")] == ["t2", "t3"]
