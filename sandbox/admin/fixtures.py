"""`POST /_sandbox/fixtures`: load a scenario fixture at run time (format: README "Scenario fixtures")."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..core.credentials import grants_detokenize
from ..core.errors import FixtureError
from ..scenario.loader import load
from ..scenario.source import parse_located
from ..web.body import read_body
from .errors import AdminError, json_response
from .http import guarded
from .openapi import op, register

routes = web.RouteTableDef()

register("/_sandbox/fixtures", post=op(
    "Load a scenario fixture (same format as --fixtures files), sent as application/json or application/yaml",
    params=[{"name": "baseline", "in": "query", "required": False, "schema": {"type": "boolean", "default": True},
             "description": "true: reset returns to the state after this load; false: reset undoes it "
                            "(a fixture for one test)"}],
    body={"type": "object", "properties": {"version": {"type": "integer", "enum": [1]}}},
))

_YAML = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


@routes.post("/_sandbox/fixtures")
@guarded
async def post_fixture(request: web.Request) -> web.Response:
    ctype = request.content_type
    if ctype not in ("application/json", *_YAML):
        raise AdminError(415, f"send the fixture as application/json or application/yaml, not {ctype!r}")
    flag = request.query.get("baseline", "true").lower()
    if flag not in ("true", "false", "1", "0"):
        raise AdminError(400, "baseline: expected true or false")
    raw = await read_body(request)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AdminError(400, "the fixture is not UTF-8 text") from None
    if not text.strip():
        raise AdminError(400, "a fixture body is required")
    source = request.query.get("name") or "<posted fixture>"
    try:
        # Parsing (YAML is slow: seconds for a 1 MiB body) runs in a worker thread so every other
        # request keeps being answered; applying the result to the store stays on the event loop.
        located = await asyncio.to_thread(parse_located, text, source, ctype == "application/json")
        core = request.app["core"]
        if (core.credentials.strict and not request.app["config"].admin_token and isinstance(located.data, dict)
                and grants_detokenize(located.data.get("credentials"))):
            # --credentials lists who may detokenise; with no admin token anyone reaching the
            # control plane could otherwise add themselves to that list (issue 14 §7).
            raise AdminError(403, "this sandbox runs with --credentials and no --admin-token: a posted "
                                  "fixture cannot add credentials allowed to detokenise (put them in the "
                                  "credentials file, or start with --admin-token)")
        summary = load(located, core, request.app["faults"],
                       baseline=flag in ("true", "1"), keep=request.app["scenario"])
    except FixtureError as e:
        raise AdminError(400, str(e)) from None
    return json_response({"loaded": summary, "baseline": flag in ("true", "1")})


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
