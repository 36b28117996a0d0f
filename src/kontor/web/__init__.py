"""Kontor web component."""
