"""Structured logs: one JSON object per line in production, readable text in development.

`HUB_LOG_FORMAT` (`json` or `text`, default `json` when `HUB_ENV=production`) chooses the
formatter; `HUB_LOG_LEVEL` the level. `hub serve` hands `dict_config(settings)` to uvicorn,
which applies it in every worker process, so the hub's, uvicorn's and the libraries' records
share one format.

Every record carries the id of the request it was written for (`request_id`, from the
`X-Request-Id` the caller saw), set by the access-log middleware (`hub.web.observability`) for
the duration of each request. What a record may hold is decided where it is written: the
access log writes the caller's kind but never who they are, the operation's type and name
but never the document or variables; the database engines hide bound parameters from every
error message (`hub.db.engine`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from typing import Any

from hub.settings import Settings

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hub_request_id", default=None
)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is data.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
MAX_FIELD = 2000  # characters of one field written at most (a stray huge value stays small)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    request_id = fields.pop("request_id", None) or request_id_var.get()
    if request_id is not None:
        fields = {"request_id": request_id, **fields}
    return fields


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_FIELD:
        return value[:MAX_FIELD] + f"… ({len(value) - MAX_FIELD} more characters)"
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the
    record's extra fields and, for an exception, its type and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": _clip(record.getMessage()),
        }
        entry.update({k: _clip(v) for k, v in _fields(record).items()})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message key=value …` for a developer's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        request_id = fields.pop("request_id", None)
        parts = [self.formatTime(record), record.levelname, record.name]
        if request_id:
            parts.append(f"[{request_id}]")
        parts.append(_clip(record.getMessage()))
        parts += [f"{k}={_clip(v)}" for k, v in fields.items() if v not in (None, [], {}, "")]
        line = " ".join(str(p) for p in parts)
        if record.exc_info and record.exc_info[0] is not None:
            line += "\n" + self.formatException(record.exc_info)
        return line


def formatter(settings: Settings) -> logging.Formatter:
    return JsonFormatter() if settings.json_logs else TextFormatter()


def dict_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server: one stderr handler with the configured
    format on the root logger; uvicorn's loggers propagate to it (its own access log is off:
    the hub writes one line per request itself)."""
    level = settings.log_level.upper()
    factory = "hub.web.logs.JsonFormatter" if settings.json_logs else "hub.web.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hub": {"()": factory}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "hub",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
