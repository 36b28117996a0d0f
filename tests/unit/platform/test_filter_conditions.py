"""Filter trees: SQL compiled from a random AND/OR tree keeps exactly the rows the operators'
meaning keeps, and a tree the table cannot answer is refused naming its place."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from kontor.errors import InvalidInput
from kontor.platform.saved_filters import (
    FieldKind,
    FilterField,
    FilterFields,
    Node,
    parse_filter,
    to_json,
    to_sql,
)

FIELDS = FilterFields(
    "things", (FilterField("name", FieldKind.TEXT), FilterField("size", FieldKind.NUMBER))
)
meta = MetaData()
things = Table("things", meta, Column("id", Integer, primary_key=True),
               Column("name", String), Column("size", Integer))  # fmt: skip
ROWS = [
    {"id": i, "name": name, "size": size}
    for i, (name, size) in enumerate(
        [("Akte", 3), ("akten", None), ("", 7), (None, 0), ("Brief", -2), ("BRIEF", 3), ("x%_", 9)]
    )
]
engine = create_engine("sqlite://")
meta.create_all(engine)
with engine.begin() as connection:
    connection.execute(insert(things), ROWS)

texts = st.sampled_from(["Akte", "akt", "brief", "", "x%_", "%", "Z"])
numbers = st.integers(-3, 10)
conditions = st.one_of(
    st.builds(lambda op, v: {"field": "name", "op": op, "value": v},
              st.sampled_from(["eq", "ne", "contains"]), texts),
    st.builds(lambda op, v: {"field": "size", "op": op, "value": v},
              st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]), numbers),
    st.builds(lambda f, v: {"field": f, "op": "is_empty", "value": v},
              st.sampled_from(["name", "size"]), st.booleans()),
    st.builds(lambda vs: {"field": "name", "op": "in", "value": vs}, st.lists(texts, min_size=1)),
    st.builds(lambda vs: {"field": "size", "op": "in", "value": vs}, st.lists(numbers, min_size=1)),
)  # fmt: skip
trees = st.recursive(
    conditions,
    lambda inner: st.builds(
        lambda key, parts: {key: parts},
        st.sampled_from(["all", "any"]),
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


def holds(tree: dict[str, Any], row: dict[str, Any]) -> bool:
    """What the filter means, written plainly."""
    if "all" in tree:
        return all(holds(part, row) for part in tree["all"])
    if "any" in tree:
        return any(holds(part, row) for part in tree["any"])
    value, wanted, op = row[tree["field"]], tree["value"], tree["op"]
    if op == "is_empty":
        empty = value is None or value == ""
        return empty if wanted else not empty
    if op == "ne":
        return value is None or value != wanted
    if value is None:
        return False
    if op == "contains":
        return str(wanted).lower() in value.lower()
    if op == "in":
        return value in wanted
    return {"eq": value == wanted, "lt": value < wanted, "le": value <= wanted,
            "gt": value > wanted, "ge": value >= wanted}[op]  # fmt: skip


@given(trees)
def test_the_compiled_sql_keeps_exactly_the_rows_the_filter_means(tree: dict[str, Any]) -> None:
    parsed: Node = parse_filter(tree, FIELDS)
    condition = to_sql(parsed, lambda field, _kind: things.c[field.name])
    with engine.connect() as connection:
        found = set(connection.execute(select(things.c.id).where(condition)).scalars())
    assert found == {row["id"] for row in ROWS if holds(tree, row)}
    assert parse_filter(to_json(parsed), FIELDS) == parsed


def test_numbers_are_kept_exactly() -> None:
    parsed = parse_filter({"field": "size", "op": "ge", "value": "1234.50"}, FIELDS)
    assert to_json(parsed) == {"field": "size", "op": "ge", "value": Decimal("1234.50")}


@pytest.mark.parametrize(
    ("tree", "place"),
    [
        ([], "filter"),
        ({"all": [{"any": [{"field": "colour", "op": "eq", "value": 1}]}]},
         "filter.all[0].any[0].field"),
        ({"all": [{"field": "size", "op": "contains", "value": "1"}]}, "filter.all[0].op"),
        ({"field": "size", "op": "in", "value": [1, "zwei"]}, "filter.value[1]"),
        ({"field": "size", "op": "eq", "value": True}, "filter.value"),
        ({"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [
            {"field": "size", "op": "eq", "value": 1}]}]}]}]}]}]}]}]}, "filter.all[0].all[0]"
         ".all[0].all[0].all[0].all[0].all[0].all[0]"),
    ],
)  # fmt: skip
def test_a_tree_the_table_cannot_answer_names_its_place(tree: Any, place: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filter(tree, FIELDS)
    assert refused.value.details["field"] == place


def test_more_than_fifty_conditions_are_refused() -> None:
    many = {"any": [{"field": "size", "op": "eq", "value": n} for n in range(51)]}
    with pytest.raises(InvalidInput, match="at most 50 conditions"):
        parse_filter(many, FIELDS)
