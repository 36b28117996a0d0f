"""The order of queued writes: appended rows gather past what cannot touch them, nothing else
moves."""

from __future__ import annotations

from kontor.db.write_order import Queued, sending_order

HISTORY = frozenset({"history"})


def _append(owner: str, *rows: int) -> Queued:
    return Queued(
        "INSERT history", list(rows), HISTORY, "COPY history", scope=owner, appending=True
    )


def _write(label: str, tables: frozenset[str], owner: str | None = None) -> Queued:
    return Queued(label, [label], tables, scope=owner)


def _shape(order: list[Queued]) -> list[tuple[str, list[object]]]:
    return [(entry.sql, entry.arguments) for entry in order]


def test_rows_appended_by_many_owners_go_together_after_the_writes_of_other_tables() -> None:
    queue = [
        _write("save a", frozenset({"instances"}), "a"),
        _append("a", 1, 2),
        _write("save b", frozenset({"instances"}), "b"),
        _append("b", 3),
    ]
    assert _shape(sending_order(queue)) == [
        ("save a", ["save a"]),
        ("save b", ["save b"]),
        ("INSERT history", [1, 2, 3]),
    ]


def test_a_write_scoped_to_another_owner_lets_the_rows_pass_one_of_their_owner_stops_them() -> None:
    queue = [
        _append("a", 1),
        _write("close b", HISTORY, "b"),  # touches only b's rows
        _append("b", 2),
        _write("close a", HISTORY, "a"),  # may touch a's row 1: it goes before
        _append("a", 3),
    ]
    assert _shape(sending_order(queue)) == [
        ("close b", ["close b"]),
        ("INSERT history", [1, 2]),
        ("close a", ["close a"]),
        ("INSERT history", [3]),
    ]


def test_an_unscoped_write_or_one_naming_the_table_in_a_subquery_stops_the_rows() -> None:
    for stopper in (
        _write("purge", HISTORY),
        _write("count into", frozenset({"history", "stats"}), "b"),
    ):
        queue = [_append("a", 1), stopper, _append("a", 2)]
        assert _shape(sending_order(queue)) == [
            ("INSERT history", [1]),
            (stopper.sql, [stopper.sql]),
            ("INSERT history", [2]),
        ]


def test_writes_that_do_not_append_keep_their_order() -> None:
    queue = [_write(label, frozenset({"t"}), "a") for label in ("1", "2", "3")]
    assert [entry.sql for entry in sending_order(queue)] == ["1", "2", "3"]
