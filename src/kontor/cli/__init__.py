"""The ``kontor`` command."""

from kontor.cli.main import app, main

__all__ = ["app", "main"]
