"""List built-ins (DMN 1.5 §10.3.4.4), including sort."""

from __future__ import annotations

from decimal import Decimal
from functools import cmp_to_key
from typing import Any

from kontor.rules.feel.builtins.base import (
    BuiltinFunction,
    Signature,
    builtin,
    fail,
    items_of,
    need_function,
    need_integer,
    need_list,
    need_number,
)
from kontor.rules.feel.numbers import NUMBER_CONTEXT, to_index
from kontor.rules.feel.operators import compare, values_equal


def _list_contains(items: Any, element: Any) -> bool:
    return any(values_equal(item, element) is True for item in need_list(items, "list"))


def _count(items: Any) -> Decimal:
    return Decimal(len(need_list(items, "list")))


def _extreme(arguments: list[Any], wanted: int) -> Any:
    items = items_of(arguments)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        order = compare(item, best)
        if order is None:
            raise fail("list items are not comparable")
        if order == wanted:
            best = item
    if len(items) == 1 and compare(best, best) is None:
        raise fail("list item is not comparable")
    return best


def _numbers(arguments: list[Any]) -> list[Decimal]:
    return [need_number(item, "list item") for item in items_of(arguments)]


def _sum(arguments: list[Any]) -> Decimal | None:
    numbers = _numbers(arguments)
    if not numbers:
        return None
    total = Decimal(0)
    for number in numbers:
        total = NUMBER_CONTEXT.add(total, number)
    return total


def _mean(arguments: list[Any]) -> Decimal | None:
    numbers = _numbers(arguments)
    if not numbers:
        return None
    total = _sum(numbers)
    assert total is not None
    return NUMBER_CONTEXT.divide(total, Decimal(len(numbers)))


def _product(arguments: list[Any]) -> Decimal | None:
    numbers = _numbers(arguments)
    if not numbers:
        return None
    result = Decimal(1)
    for number in numbers:
        result = NUMBER_CONTEXT.multiply(result, number)
    return result


def _median(arguments: list[Any]) -> Decimal | None:
    numbers = sorted(_numbers(arguments))
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    pair_sum = NUMBER_CONTEXT.add(numbers[middle - 1], numbers[middle])
    return NUMBER_CONTEXT.divide(pair_sum, Decimal(2))


def _stddev(arguments: list[Any]) -> Decimal | None:
    numbers = _numbers(arguments)
    if len(numbers) < 2:
        return None
    mean = NUMBER_CONTEXT.divide(sum(numbers, Decimal(0)), Decimal(len(numbers)))
    squares = sum((NUMBER_CONTEXT.power(number - mean, 2) for number in numbers), Decimal(0))
    variance = NUMBER_CONTEXT.divide(squares, Decimal(len(numbers) - 1))
    return variance.sqrt(NUMBER_CONTEXT)


def _mode(arguments: list[Any]) -> list[Any]:
    numbers = _numbers(arguments)
    counts: dict[Decimal, int] = {}
    for number in numbers:
        counts[number] = counts.get(number, 0) + 1
    if not counts:
        return []
    highest = max(counts.values())
    return sorted(number for number, count in counts.items() if count == highest)


def _all(arguments: list[Any]) -> bool | None:
    items = items_of(arguments)
    if any(item is False for item in items):
        return False
    return True if all(item is True for item in items) else None


def _any(arguments: list[Any]) -> bool | None:
    items = items_of(arguments)
    if any(item is True for item in items):
        return True
    return False if all(item is False for item in items) else None


def _position(items: list[Any], position: Any, allow_end: bool = False) -> int:
    index = need_integer(position, "position")
    size = len(items) + (1 if allow_end else 0)
    if 0 < index <= size:
        return index - 1
    if 0 < -index <= len(items):
        return len(items) + index
    raise fail(f"position {index} is outside the list", "index-out-of-range")


def _sublist(items: Any, start: Any, length: Any = None) -> list[Any]:
    source = need_list(items, "list")
    first = _position(source, start)
    if length is None:
        return source[first:]
    count = need_integer(length, "length")
    if count < 0 or first + count > len(source):
        raise fail("length exceeds the list")
    return source[first : first + count]


def _append(items: Any, extra: list[Any]) -> list[Any]:
    return [*need_list(items, "list"), *extra]


def _concatenate(lists: list[Any]) -> list[Any]:
    result: list[Any] = []
    for part in lists:
        result.extend(need_list(part, "list"))
    return result


def _insert_before(items: Any, position: Any, new_item: Any) -> list[Any]:
    source = list(need_list(items, "list"))
    source.insert(_position(source, position), new_item)
    return source


def _remove(items: Any, position: Any) -> list[Any]:
    source = list(need_list(items, "list"))
    del source[_position(source, position)]
    return source


def _reverse(items: Any) -> list[Any]:
    return list(reversed(need_list(items, "list")))


def _index_of(items: Any, match: Any) -> list[Decimal]:
    return [
        Decimal(index + 1)
        for index, item in enumerate(need_list(items, "list"))
        if values_equal(item, match) is True
    ]


def _distinct(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if not any(values_equal(item, kept) is True for kept in result):
            result.append(item)
    return result


def _union(lists: list[Any]) -> list[Any]:
    return _distinct(_concatenate(lists))


def _distinct_values(items: Any) -> list[Any]:
    return _distinct(need_list(items, "list"))


def _flatten(items: Any) -> list[Any]:
    result: list[Any] = []
    for item in need_list(items, "list"):
        if type(item) is list:
            result.extend(_flatten(item))
        else:
            result.append(item)
    return result


def _list_replace(items: Any, position_or_match: Any, new_item: Any) -> list[Any]:
    source = list(need_list(items, "list"))
    if position_or_match is None:
        raise fail("position or match must not be null")
    if type(position_or_match) is Decimal or type(position_or_match) is int:
        index = to_index(position_or_match)  # decimals truncate; None beyond 34 digits
        if index is None:
            raise fail("position is outside the list", "index-out-of-range")
        source[_position(source, index)] = new_item
        return source
    match = need_function(position_or_match, "match")
    if len(match.parameters) != 2:
        raise fail("match must take two parameters (item, newItem)")
    result = []
    for item in source:
        verdict = match.apply([item, new_item])
        if type(verdict) is not bool:
            raise fail("match must return a boolean")
        result.append(new_item if verdict else item)
    return result


def _sort(items: Any, precedes: Any = None) -> list[Any]:
    source = list(need_list(items, "list"))
    if precedes is None:

        def natural(left: Any, right: Any) -> int:
            order = compare(left, right)
            if order is None:
                raise fail("list items are not comparable")
            return order

        return sorted(source, key=cmp_to_key(natural))
    function = need_function(precedes, "precedes")

    def by_function(left: Any, right: Any) -> int:
        if function.apply([left, right]) is True:
            return -1
        return 1 if function.apply([right, left]) is True else 0

    return sorted(source, key=cmp_to_key(by_function))


def _list_function(name: str, impl: Any) -> BuiltinFunction:
    return BuiltinFunction(name, Signature(("list",), impl, rest=True))


FUNCTIONS = [
    builtin("list contains", ("list", "element"), _list_contains),
    builtin("count", ("list",), _count),
    _list_function("min", lambda items: _extreme(items, -1)),
    _list_function("max", lambda items: _extreme(items, 1)),
    _list_function("sum", _sum),
    _list_function("mean", _mean),
    _list_function("product", _product),
    _list_function("median", _median),
    _list_function("stddev", _stddev),
    _list_function("mode", _mode),
    _list_function("all", _all),
    _list_function("any", _any),
    BuiltinFunction(
        "sublist",
        Signature(("list", "start position"), _sublist),
        Signature(("list", "start position", "length"), _sublist),
    ),
    BuiltinFunction("append", Signature(("list", "item"), _append, rest=True)),
    BuiltinFunction("concatenate", Signature(("list",), _concatenate, rest=True)),
    builtin("insert before", ("list", "position", "newItem"), _insert_before),
    builtin("remove", ("list", "position"), _remove),
    builtin("reverse", ("list",), _reverse),
    builtin("index of", ("list", "match"), _index_of),
    BuiltinFunction("union", Signature(("list",), _union, rest=True)),
    builtin("distinct values", ("list",), _distinct_values),
    builtin("flatten", ("list",), _flatten),
    BuiltinFunction(
        "list replace",
        Signature(("list", "position", "newItem"), _list_replace),
        Signature(("list", "match", "newItem"), _list_replace),
    ),
    BuiltinFunction(
        "sort",
        Signature(("list",), _sort),
        Signature(("list", "precedes"), _sort),
    ),
]
