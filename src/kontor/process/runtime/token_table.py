"""The tokens of an instance with an index by scope, so scope checks cost what the scope holds.

A token's scope never changes after it was created, so the index follows insertions and
removals only. Without it, every token end scanned all tokens of the instance: a parallel
multi-instance over N items cost N² steps.
"""

from __future__ import annotations

from typing import Any

from kontor.process.runtime.state import Token

_MISSING: Any = object()


class TokenTable(dict[str, Token]):
    """A ``dict`` of tokens by id that also knows the token ids of each scope."""

    def __init__(self, tokens: dict[str, Token] | None = None) -> None:
        super().__init__()
        self._by_scope: dict[str, dict[str, None]] = {}
        for token_id, token in (tokens or {}).items():
            self[token_id] = token

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles rebuild their own index rather than sharing this one.
        return (TokenTable, (dict(self),))

    def _index(self) -> dict[str, dict[str, None]]:
        # A copy made without __init__ (copy, pickle) rebuilds the index on first use.
        index: dict[str, dict[str, None]] | None = self.__dict__.get("_by_scope")
        if index is None:
            index = {}
            for token_id, token in self.items():
                index.setdefault(token.scope_id, {})[token_id] = None
            self._by_scope = index
        return index

    def __setitem__(self, token_id: str, token: Token) -> None:
        previous = self.get(token_id)
        if previous is not None:
            self._forget(token_id, previous)
        super().__setitem__(token_id, token)
        self._index().setdefault(token.scope_id, {})[token_id] = None

    def __delitem__(self, token_id: str) -> None:
        token = self[token_id]
        super().__delitem__(token_id)
        self._forget(token_id, token)

    def pop(self, token_id: str, default: Any = _MISSING) -> Any:
        """Remove and return a token (``default`` when absent, if given)."""
        if token_id not in self:
            if default is _MISSING:
                raise KeyError(token_id)
            return default
        token = self[token_id]
        del self[token_id]
        return token

    def in_scope(self, scope_id: str) -> list[Token]:
        """The tokens whose scope is ``scope_id``, oldest first."""
        return [self[token_id] for token_id in self._index().get(scope_id, {})]

    def count_in(self, scope_id: str) -> int:
        """How many tokens are in ``scope_id``."""
        return len(self._index().get(scope_id, {}))

    def _forget(self, token_id: str, token: Token) -> None:
        members = self._index().get(token.scope_id)
        if members is not None:
            members.pop(token_id, None)
            if not members:
                del self._index()[token.scope_id]
