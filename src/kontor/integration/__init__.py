"""Kontor integration component."""
