"""Hook point registry and the compiled-model cache of rule deployment."""

from __future__ import annotations

import pytest

from kontor.rules.deployment import HookPoint, HookRegistry, ModelCache
from kontor.rules.dmn import Definitions, load_dmn
from kontor.rules.errors import UnknownHookPoint
from support.dmn import RISK_DMN


def test_registry_lists_declared_hooks_and_names_unknown_ones() -> None:
    created = HookPoint("task.created", "a task was created")
    registry = HookRegistry([HookPoint("task.overdue", "a task is overdue"), created])
    registry.declare(created)
    assert [point.name for point in registry.all()] == ["task.created", "task.overdue"]
    assert "task.created" in registry
    with pytest.raises(UnknownHookPoint, match=r"'task\.deleted'"):
        registry.get("task.deleted")
    with pytest.raises(ValueError, match="declared twice"):
        registry.declare(HookPoint("task.created", "something else"))


def test_cache_loads_once_and_forgets_a_models_versions_on_invalidate() -> None:
    loads: list[int] = []

    def load() -> Definitions:
        loads.append(1)
        return load_dmn(RISK_DMN)

    cache = ModelCache(capacity=2)
    first = cache.get(("a", "risk", 1), load)
    assert cache.get(("a", "risk", 1), load) is first
    cache.get(("b", "risk", 1), load)
    assert len(loads) == 2
    cache.invalidate("a", "risk")
    assert len(cache) == 1
    cache.get(("a", "risk", 2), load)
    cache.get(("c", "risk", 1), load)
    assert len(cache) == 2  # the least recently used entry made room
