"""The ceiling: a bare aiohttp app answering the sandbox's benchmarked routes with fixed bytes.

No auth, no validation, no store, no middleware: what any aiohttp server on this machine can do
at best. `bench/run.py` starts it exactly like the sandbox (`--port 0`, same ready line, pinned
to the same core) and, once it has seen the sandbox's real replies, passes them in with
`--bodies FILE` so both send the same number of bytes.

    python bench/reference_app.py --port 0 [--bodies bench/results/reference-bodies.json]
"""

from __future__ import annotations

import argparse
import json

from aiohttp import web

# route key -> (method, aiohttp path). The harness keys captured replies the same way.
ROUTES = {
    "access.get": ("GET", "/tokens/{opaque}"),
    "access.create": ("POST", "/tokens"),
    "access.pay": ("POST", "/api/payments"),
    "access.verified": ("POST", "/verifiedTokens/cardOnFile"),
    "opp.register": ("POST", "/v1/registrations"),
    "opp.pay": ("POST", "/v1/registrations/{id}/payments"),
    "wpg.xml": ("POST", "/jsp/merchant/xml/paymentService.jsp"),
    "admin.reset": ("POST", "/_sandbox/reset"),
    "admin.health": ("GET", "/_sandbox/health"),
}
DEFAULT = {"status": 200, "content_type": "application/json", "body": '{"status": "ok"}'}


def make_handler(method: str, status: int, content_type: str, body: bytes):
    headers = {"Content-Type": content_type}

    if method == "GET":
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status, body=body, headers=headers)
    else:
        async def handler(request: web.Request) -> web.Response:
            await request.read()  # a server must at least receive what it is sent
            return web.Response(status=status, body=body, headers=headers)
    return handler


def create_app(bodies: dict) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    for key, (method, path) in ROUTES.items():
        reply = bodies.get(key, DEFAULT)
        app.router.add_route(method, path, make_handler(
            method, int(reply["status"]), reply["content_type"], reply["body"].encode()))
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bodies", help="JSON {route key: {status, content_type, body}}")
    args = parser.parse_args()
    bodies = {}
    if args.bodies:
        with open(args.bodies, encoding="utf-8") as f:
            bodies = json.load(f)

    import asyncio

    async def serve() -> None:
        runner = web.AppRunner(create_app(bodies), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, args.host, args.port, reuse_address=True)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        print(f"Reference app listening on http://{args.host}:{port}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
