"""`/_sandbox/faults`: list, add, delete and clear fault rules (rules themselves: web/faults.py)."""

from __future__ import annotations

from aiohttp import web

from ..web.faults import ACTIONS, DROP_WHEN, MAX_RULES, FaultSpecError
from .errors import AdminError, json_response
from .http import guarded, json_body
from .openapi import op, register

routes = web.RouteTableDef()

_LATENCY = {"oneOf": [
    {"type": "number", "minimum": 0, "description": "seconds"},
    {"type": "object", "properties": {"min": {"type": "number"}, "max": {"type": "number"}}},
    {"type": "object", "properties": {"mean": {"type": "number"}, "stddev": {"type": "number"}}},
]}
RULE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "api": {"type": "string", "enum": ["access", "opp", "wpg"]},
        "tenant": {"type": "string", "description": "tenant id or glob, e.g. wpg:*"},
        "path": {"type": "string", "description": "glob on the request path"},
        "pathRegex": {"type": "string"},
        "method": {"type": "string"},
        "operation": {"type": "string", "description": "operation name or glob (adapter's name)"},
        "action": {"type": "string", "enum": list(ACTIONS)},
        "status": {"type": "integer", "minimum": 200, "maximum": 599},
        "message": {"type": "string"},
        "body": {"description": "raw body (string, or JSON value) instead of the API's error envelope"},
        "contentType": {"type": "string"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "latency": _LATENCY,
        "drop": {"type": "string", "enum": list(DROP_WHEN)},
        "times": {"type": "integer", "minimum": 1},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": {"type": ["integer", "string"]},
    },
}

register(
    "/_sandbox/faults",
    get=op("Fault rules in force (with how often each fired and how many matches are left)"),
    post=op("Add a fault rule, or a list of rules", body={"oneOf": [RULE_SCHEMA, {"type": "array", "items": RULE_SCHEMA}]}),
    delete=op("Remove every fault rule"),
)
register("/_sandbox/faults/{id}", delete=op("Remove one fault rule", params=[
    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    responses={"200": {"description": "removed"}, "404": {"description": "no such rule"}}))


@routes.get("/_sandbox/faults")
@guarded
async def list_faults(request: web.Request) -> web.Response:
    return json_response({"rules": request.app["faults"].views()})


@routes.post("/_sandbox/faults")
@guarded
async def add_faults(request: web.Request) -> web.Response:
    body = await json_body(request, expect=object)
    specs = body if isinstance(body, list) else [body]
    faults = request.app["faults"]
    if len(faults.rules) + len(specs) > MAX_RULES:  # before parsing any: bounded work
        raise AdminError(400, f"rules: at most {MAX_RULES} fault rules can be in force "
                              f"({len(faults.rules)} are, {len(specs)} more sent); delete some first")
    try:  # all or nothing
        rules = [faults.parse(s, f"rules[{i}]" if isinstance(body, list) else "rule") for i, s in enumerate(specs)]
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise AdminError(400, "rules: two rules have the same id")
        faults.add(rules)
    except FaultSpecError as e:
        raise AdminError(400, str(e)) from None
    return json_response({"rules": [r.view() for r in rules]}, status=201)


@routes.delete("/_sandbox/faults")
@guarded
async def clear_faults(request: web.Request) -> web.Response:
    request.app["faults"].clear()
    return json_response({"cleared": True})


@routes.delete("/_sandbox/faults/{id}")
@guarded
async def delete_fault(request: web.Request) -> web.Response:
    rid = request.match_info["id"]
    if not request.app["faults"].remove(rid):
        raise AdminError(404, f"no fault rule with id {rid!r}")
    return json_response({"deleted": rid})


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
