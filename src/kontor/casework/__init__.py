"""Kontor casework component."""
