"""Reading a request body once (within the owning API's limit), and naming tenant and operation."""

from __future__ import annotations

import asyncio

from aiohttp import web


async def read_body(request: web.Request) -> bytes:
    """The raw body, at most `--max-body` bytes for API routes even when sent chunked.

    The middleware already refused an oversized Content-Length; a chunked body is counted here.
    """
    body = request.get("body")
    if body is None:
        limit = request.get("body_limit") or request.app["config"].max_body
        stall = getattr(request.app["config"], "client_timeout", None)
        content = request.content
        # Fast path: a small body usually arrives with its headers, fully buffered and at EOF. Taking
        # it without awaiting skips two timeout contexts (a timer each) per request.
        first = content.read_nowait()
        size = len(first)
        if size > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
        parts = [first] if first else []
        while not content.is_eof():  # read_nowait() took all that was buffered
            try:  # a client that stops mid-body is answered 408 instead of holding the request open
                async with asyncio.timeout(stall):
                    chunk = await content.readany()
            except TimeoutError:
                raise web.HTTPRequestTimeout() from None
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
            parts.append(chunk)
        body = b"".join(parts)
        request["body"] = body
    return body


def set_context(request: web.Request, *, tenant: str | None = None, operation: str | None = None) -> None:
    """Name the tenant and operation (for the journal and fault rules).

    Adapters call this once they know both and before they touch the store, so a fault rule
    that matches on tenant or operation can answer instead of the handler (it raises).
    """
    if tenant is not None:
        request["tenant"] = tenant
    if operation is not None:
        request["operation"] = operation
    faults = request.app.get("faults")
    if faults is not None and faults.rules:
        faults.on_context(request)
