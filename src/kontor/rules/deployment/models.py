"""Deployed models in memory: parsing stored XML once per tenant and version."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from kontor.rules.dmn import Definitions, DmnError, load_dmn
from kontor.rules.errors import InvalidRuleModel

CacheKey = tuple[str, str, int]  # tenant, model key, version


def parse_model(xml: bytes, file_name: str) -> Definitions:
    """Import a DMN model; raises ``InvalidRuleModel`` naming file, line and element."""
    try:
        return load_dmn(xml, file_name=file_name)
    except DmnError as error:
        raise InvalidRuleModel(
            str(error), file=error.file, line=error.line, element=error.element
        ) from None


def model_key(model: Definitions) -> str:
    """The key deployments of ``model`` are versioned under: its id, else its name."""
    return model.id or model.name


def content_hash(xml: bytes) -> str:
    """The sha256 of a model's XML, as hex."""
    return hashlib.sha256(xml).hexdigest()


class ModelCache:
    """Compiled models by tenant, key and version; least recently used ones are dropped."""

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._models: OrderedDict[CacheKey, Definitions] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey, load: Callable[[], Definitions]) -> Definitions:
        """The cached model for ``key``, loading it with ``load`` when missing."""
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
                return model
        model = load()  # outside the lock: parsing may take a while
        with self._lock:
            self._models[key] = model
            while len(self._models) > self._capacity:
                self._models.popitem(last=False)
        return model

    def invalidate(self, tenant_id: str, key: str) -> None:
        """Forget every cached version of one model of one tenant."""
        with self._lock:
            for cached in [k for k in self._models if k[:2] == (tenant_id, key)]:
                del self._models[cached]

    def __len__(self) -> int:
        return len(self._models)
