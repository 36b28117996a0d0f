"""Transports that carry committed outbox messages to handlers."""
