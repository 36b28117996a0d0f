"""Kontor exchange component."""
