"""Data associations (BPMN 2.0 §10.4.1): values into an activity's data inputs when it starts,
out of its data outputs into data objects when it completes.

An association copies the value of its source (a data object, property, data input or output,
each held in the variable its name gives) to its target, computes it with its FEEL
transformation, or runs its assignments (``from`` an expression, ``to`` the target or a dotted
path into it). Several sources without a transformation give the list of their values.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import DataAssociation
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Token

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def associate_inputs(
    ex: Execution, token: Token, associations: tuple[DataAssociation, ...]
) -> None:
    """Fill the activity's data inputs (variables local to it) from its input associations."""
    for association in associations:
        if association.assignments:
            for assignment in association.assignments:
                value = ex.evaluate(token, assignment.source)
                name, path = _split(assignment.target)
                current = token.locals.get(name, ex.visible(token).get(name))
                token.locals[name] = _placed(current, path, value, assignment.target)
        elif (target := _variable(ex, association.target)) is not None:
            token.locals[target] = _value(ex, token, association, None)


def associate_outputs(
    ex: Execution,
    token: Token,
    associations: tuple[DataAssociation, ...],
    results: Mapping[str, Any],
) -> None:
    """Write the activity's data outputs (from ``results``) to data objects of its scope."""
    for association in associations:
        if association.assignments:
            for assignment in association.assignments:
                value = ex.evaluate(token, assignment.source, results)
                name, path = _split(assignment.target)
                current = ex.visible(token).get(name)
                ex.set_variable(
                    token.scope_id, name, _placed(current, path, value, assignment.target)
                )
        elif (target := _variable(ex, association.target)) is not None:
            ex.set_variable(token.scope_id, target, _value(ex, token, association, results))


def _variable(ex: Execution, element_id: str | None) -> str | None:
    if element_id is None:
        return None
    return ex.process.data_names.get(element_id, element_id)


def _value(
    ex: Execution, token: Token, association: DataAssociation, extra: Mapping[str, Any] | None
) -> Any:
    if association.transformation is not None:
        return ex.evaluate(token, association.transformation, extra)
    visible = ex.visible(token, extra)
    values = [visible.get(_variable(ex, source) or source) for source in association.sources]
    return values[0] if len(values) == 1 else values


def _split(target: str) -> tuple[str, list[str]]:
    name, *path = target.split(".")
    return name, path


def _placed(current: Any, path: list[str], value: Any, target: str) -> Any:
    """``current`` with ``value`` at ``path`` (a copy; the whole value when the path is empty)."""
    if not path:
        return value
    root: MutableMapping[str, Any] = {} if current is None else copy.deepcopy(current)
    if not isinstance(root, MutableMapping):
        raise Stuck(f"assignment to '{target}': '{target.split('.')[0]}' is no context")
    holder = root
    for key in path[:-1]:
        inner = holder.get(key)
        if inner is None:
            inner = holder[key] = {}
        elif not isinstance(inner, MutableMapping):
            raise Stuck(f"assignment to '{target}': '{key}' is no context")
        holder = inner
    holder[path[-1]] = value
    return root
