"""The one middleware every request passes: request id, owning API, body limit, faults, journal.

One function rather than a chain: each aiohttp middleware layer costs a coroutine per request,
and this runs on every call of every test that uses the sandbox.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import re
import time

from aiohttp import web

from ..core.errors import TenantLimitReached
from .access_log import log_request
from .adapter import Adapter
from .guard import control_plane_refusal
from .log_masking import install as install_log_masking

log = logging.getLogger("sandbox")
_SAFE_ID = re.compile(r"^[\x21-\x7e]{1,128}\Z")  # printable, no spaces: safe to echo in a header
# Request ids need to be unique, not secret: the first 80 bits are drawn once per process from the
# OS, the last 48 count up from a random start, so an id is one format call instead of a 128-bit
# draw, a hex conversion and five slices (1.9 -> 0.7 us on every request). The id seed (--seed)
# is deliberately not used: two sandboxes started with one seed still hand out different ids.
_rid_random = random.Random(os.urandom(16))
_rid_head = f"{(_rid_random.getrandbits(80) & ~(0xF000 << 16 | 0xC << 12)) | (0x4000 << 16 | 0x8 << 12):020x}"
_RID_PREFIX = f"{_rid_head[:8]}-{_rid_head[8:12]}-{_rid_head[12:16]}-{_rid_head[16:20]}-"  # version 4, RFC 4122 variant
_rid_next = itertools.count(_rid_random.getrandbits(47)).__next__
_RID_MASK = (1 << 48) - 1


def new_request_id() -> str:
    """A UUID4-format string (str(uuid.uuid4())'s shape), unique within the process."""
    return f"{_RID_PREFIX}{_rid_next() & _RID_MASK:012x}"


def make_middleware(apis: list[Adapter], admin_error, max_body: int, admin_max_body: int):
    install_log_masking()  # aiohttp's own error logs quote raw requests: mask them too
    owners = [(api.prefixes, api) for api in apis]  # str.startswith takes a tuple: one call per API
    default = next(a for a in apis if a.name == "access")  # Access owns "/" (discovery)

    def owner_of(path: str) -> Adapter | None:
        if path.startswith("/_sandbox"):
            return None
        for prefixes, api in owners:
            if path.startswith(prefixes):
                return api
        return default

    # The app's parts, looked up once: they are set before the app serves and never replaced
    # (each Application lookup is a Mapping call on every request). One middleware serves one app.
    bound: list[tuple] = []

    def parts_of(app: web.Application) -> tuple:
        if not bound or bound[0][0] is not app:
            core = app["core"]
            bound[:] = [(app, core.store, app["faults"], core.journal, app.get("state_file"))]
        return bound[0]

    @web.middleware
    async def pipeline(request: web.Request, handler):
        started = time.monotonic()
        headers = request.headers
        correlation = headers.get("WP-CorrelationId")
        sent = correlation or headers.get("X-Request-Id")
        rid = sent if sent and _SAFE_ID.match(sent) else new_request_id()
        api = owner_of(request.path)
        name = api.name if api else "admin"
        request["api"] = name
        request["request_id"] = rid
        error = api.error if api else admin_error
        request["error"] = error  # fault rules answer in the owning API's envelope
        limit = max_body if api else admin_max_body
        request["body_limit"] = limit
        _, store, faults, journal, state = parts_of(request.app)
        version = store.version  # changed by the time we answer: commit first (--state)
        length = headers.get("Content-Length")  # digits only: aiohttp's parser refused anything else
        resp: web.StreamResponse
        try:
            refusal = control_plane_refusal(request) if api is None else None
            if refusal is not None:  # Host / Origin rules of the control plane (web/guard.py)
                resp = error(request, *refusal)
            elif length is not None and int(length) > limit:
                resp = error(request, 413, f"Request body is larger than the limit of {limit} bytes")
            else:
                early = await faults.before(request) if faults.rules and api else None
                resp = early if early is not None else await handler(request)
        except web.HTTPRequestEntityTooLarge:
            resp = error(request, 413, f"Request body is larger than the limit of {limit} bytes")
        except web.HTTPRequestTimeout:  # read_body(): the client stalled mid-body
            resp = error(request, 408, "The request body was not received in time")
            resp.force_close()
        except web.HTTPNotFound:
            resp = error(request, 404, "The requested endpoint does not exist")
        except web.HTTPMethodNotAllowed:
            resp = error(request, 405, "The HTTP method is not allowed for this resource")
        except faults.Injected as injected:
            resp = await faults.respond(request, injected, error)
        except (web.HTTPException, ConnectionResetError, faults.Dropped):
            raise
        except TenantLimitReached as e:  # a new tenant beyond sandbox.max_tenants: the API's own 503
            resp = error(request, 503, str(e))
        except RecursionError:  # a parser fed 10,000-deep nesting: the client's fault, not ours
            log.info("request nested too deeply on %s %s (request %s)", request.method, request.path, rid)
            resp = error(request, 400, "The request body is nested too deeply")
        except Exception:  # a bug must still answer in the API's format, never a stack trace
            log.exception("unhandled error on %s %s (request %s)", request.method, request.path, rid)
            resp = error(request, 500, "An internal error occurred in the sandbox")
        if state is not None and store.version != version:
            # --state: the change is committed before the client hears it was made (issue 14 §3).
            # Another request's commit may hold our change and still be running: flush() waits
            # for it, and returns at once when a finished commit carried it.
            try:
                await state.flush(store.version)
            except state.WriteError:
                resp = error(request, 503, "The change could not be saved to the state file")
        if faults.rules and api:
            await faults.after(request)
        resp.headers["X-Request-Id"] = rid
        if name == "access" or correlation is not None:
            resp.headers["WP-CorrelationId"] = rid
        if journal.size:
            body = resp.body if isinstance(resp, web.Response) else None
            journal.exchange(
                name, request.get("tenant"), request.get("operation"), request.method, request.path,
                request.query_string, resp.status, rid, round((time.monotonic() - started) * 1000, 3),
                request.get("body", b""), body if isinstance(body, bytes) else b"",
            )
        log_request(request.method, request.path, name, request.get("tenant"), resp.status, started, rid)
        return resp

    return pipeline
