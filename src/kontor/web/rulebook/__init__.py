"""Rules in the browser: deployed decision models (dmn-js), hook bindings, decision records."""

from kontor.web.rulebook.pages import router

__all__ = ["router"]
