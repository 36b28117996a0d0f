"""Kontor process component."""
