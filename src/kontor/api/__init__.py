"""The HTTP API."""

from kontor.api.app import create_app

__all__ = ["create_app"]
