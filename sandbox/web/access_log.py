"""One log line per request (logger `sandbox.access`, level info), and the JSON log format.

The line carries method, path, owning API, tenant, status, milliseconds and request id, never
a body or query string; card-number-like digit runs in the path are masked like the journal's.
`sandbox serve --log-format json` (SANDBOX_LOG_FORMAT=json) writes every log record, these
included, as one JSON object per line for log collectors; `text` is for people.
"""

from __future__ import annotations

import json
import logging
import time

from ..core.cards import mask_text

access = logging.getLogger("sandbox.access")
_INFO = logging.INFO


def log_request(method: str, path: str, api: str, tenant: object, status: int, started: float,
                request_id: str) -> None:
    """Called once per answered request by the middleware; cheap when info is disabled."""
    if not access.isEnabledFor(_INFO):
        return
    ms = round((time.monotonic() - started) * 1000, 1)
    fields = {"method": method, "path": mask_text(path[:512]), "api": api,
              "tenant": str(tenant) if tenant is not None else None, "status": status, "ms": ms,
              "request_id": request_id}
    access.info("%s %s %s api=%s tenant=%s %.1fms id=%s", method, fields["path"], status, api,
                fields["tenant"] or "-", ms, request_id, extra={"request": fields})


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", ...}; access lines add their fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


JsonFormatter.converter = time.gmtime  # times in UTC, matching the trailing Z


def configure(level: str, fmt: str) -> None:
    """Root logging for `sandbox serve`: `text` (human) or `json` (one object per line), on stderr."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
