"""Who may reach the control plane: the Host and Origin rules, and the headers of HTML pages.

The control plane (`/_sandbox/...`) holds every card number and tenant secret, and a web page in
the developer's browser can send requests to 127.0.0.1 (issue 14 §5-§7). Three rules close that:

* **Host** must name this sandbox: an IP literal, a loopback name (`localhost`, `*.localhost`),
  the address it was bound to, or a name given with `--allow-host`. DNS rebinding works only
  through a name the attacker controls, so it fails here before any handler runs.
* **Origin**, when a browser sends one on a write, must be the sandbox's own
  (`http://<Host>`): a page on another origin cannot reset, load fixtures or install faults.
* Control-plane writes take only `application/json` (fixtures also `application/yaml`), which a
  cross-site page cannot send without a CORS preflight that the sandbox never answers
  (`admin/routes.json_body`).

Pages the sandbox serves as HTML carry a Content-Security-Policy, `nosniff` and frame options.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The dashboard loads only its own script and stylesheet and calls only the control plane.
DASHBOARD_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# A fault rule's own body is whatever a test asked for: never a document that may run script.
FAULT_CSP = "sandbox"


def split_host(value: str) -> str:
    """The host name (lower case, no port, no trailing dot) of a Host header value."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    name, sep, port = value.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        value = name
    return value.rstrip(".")


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the sandbox on this machine."""
    name = split_host(host)
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_allowed(name: str, bound: str, allowed: frozenset[str] | set[str]) -> bool:
    return (is_ip(name) or name in LOOPBACK_NAMES or name.endswith(".localhost")
            or name == split_host(bound) or name in allowed)


def control_plane_refusal(request: web.Request) -> tuple[int, str] | None:
    """(status, message) when a control-plane request must be refused, else None."""
    config = request.app["config"]
    host = split_host(request.host)
    allowed = {split_host(h) for h in getattr(config, "allow_hosts", None) or ()}
    if not host_allowed(host, config.host, allowed):
        return 421, (f"Host {host!r} is not this sandbox: use its address or localhost, or start it "
                     f"with --allow-host {host} (protects against DNS rebinding)")
    if request.method not in SAFE_METHODS:
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower().rstrip("/") != f"{request.scheme}://{request.host}".lower():
            return 403, f"Origin {origin!r} may not change the sandbox: only its own pages may (cross-site request)"
    return None


def secure_page(resp: web.StreamResponse, csp: str) -> web.StreamResponse:
    """The headers every HTML page (and fault body) the sandbox serves carries."""
    resp.headers["Content-Security-Policy"] = csp
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp
