"""Kontor rules component."""
