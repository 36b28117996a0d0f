"""Kontor apps component."""
