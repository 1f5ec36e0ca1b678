"""Logs, request ids and metrics: cheap enough to leave on in the morning rush."""
