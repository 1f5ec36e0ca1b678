"""Structured JSON logs on stdlib logging: one line per event, request id on every line.

The request id lives in a context variable set by ``RequestContextMiddleware``; the record factory
stamps it onto every record when the record is made, so a log call anywhere in a request (services,
adapters) carries it without plumbing, even if a handler formats the record later.
Every line passes through ``scrub``: an ID number or a phone number in a message is masked even when
the caller forgot.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import msgspec

from backend.observability.masking import scrub

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
}
_encoder = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key != "request_id":
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        # Scrubbed before encoding, where the text is still raw: after it, a newline is the two
        # characters "\n" and a number right behind one would hide behind the letter. The encoded line
        # is scrubbed once more for numbers inside non-string extras.
        return scrub(_encoder.encode(entry).decode())


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def configure_logging(level: str = "INFO") -> None:
    """Send every logger to stdout as JSON lines; idempotent, so tests and reloads can call it again."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_suqian", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler._suqian = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(_record_with_request_id)
    # Litestar and granian have their own access/debug chatter; we log requests ourselves. Piccolo logs
    # "Running Sqlite version 3.4" at every engine start (a floor check, not news; its warnings stay).
    for noisy in ("httpx", "httpcore", "asyncio", "aiosqlite", "piccolo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
