"""`GET /_sandbox/openapi.json`: the control plane describes itself.

Each admin module registers the paths it serves, so the document cannot drift from the routes.
"""

from __future__ import annotations

PATHS: dict[str, dict] = {}

_TENANT = {"name": "tenant", "in": "query", "required": False,
           "description": "Tenant id `<access|opp|wpg>:<name>`", "schema": {"type": "string"}}


def tenant_path(description: str = "Tenant id, e.g. `wpg:MYMERCHANT`") -> list:
    """The `{tenant}` path parameter of /_sandbox/tenants/{tenant}/... routes."""
    return [{"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"},
             "description": description}]


def op(summary: str, *, params: list | None = None, body: dict | None = None, tenant: bool = False,
       responses: dict | None = None) -> dict:
    spec: dict = {"summary": summary, "responses": responses or {"200": {"description": "OK"},
                                                                 "400": {"description": "Bad input"}}}
    parameters = ([_TENANT] if tenant else []) + (params or [])
    if parameters:
        spec["parameters"] = parameters
    if body is not None:
        spec["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return spec


def register(path: str, **methods: dict) -> None:
    PATHS.setdefault(path, {}).update(methods)


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Token Sandbox control plane", "version": "1",
                 "description": "Reset, seed, time travel, journal, faults and catalogue of Token Sandbox."},
        "paths": dict(sorted(PATHS.items())),
    }
