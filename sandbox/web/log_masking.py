"""Card numbers, security codes and credentials kept out of every log line (issue 14 §9).

aiohttp logs a malformed request in full at every log level ("Error handling request" with the
parser's exception, which quotes the raw bytes), card numbers and `Authorization: Basic ...`
included. A filter on each logger the process writes through rewrites the record, message and
formatted traceback alike, with the journal's masking (core/cards.mask_text) plus credentials.
"""

from __future__ import annotations

import logging
import re
import traceback

from ..core.cards import mask_text

LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.internal", "aiohttp.client",
           "aiohttp.websocket", "asyncio", "sandbox")
_CREDENTIALS = re.compile(r"(?i)\b((?:authorization|x-admin-token)\s*[:=]\s*(?:(?:basic|bearer)\s+)?|(?:basic|bearer)\s+)"
                          r"[A-Za-z0-9+/=._~-]+")


def scrub(text: str) -> str:
    return mask_text(_CREDENTIALS.sub(lambda m: m.group(1) + "***", text))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, masked
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


_FILTER = MaskingFilter()


def install() -> None:
    """Add the filter to every logger listed (once; safe to call for every app created)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
