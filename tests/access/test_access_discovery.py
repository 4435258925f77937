"""Discovery (access.md §11.1, issue 17 item 2): `GET /` links only to what the sandbox serves,
and a client following every link never meets a 404."""

from __future__ import annotations

from access_helpers import path_of


def _links(body: dict) -> dict[str, str]:
    return {rel: link["href"] for rel, link in body["_links"].items()
            if isinstance(link, dict) and not link.get("templated")}


def test_every_discovery_link_resolves(api):
    """Each service link answers 200; each link those roots give resolves (a POST-only resource
    answers 405 with its Allow header, never 404)."""
    root = api.get("/")
    assert root.status_code == 200
    links = _links(root.json())
    assert set(links) == {"service:tokens", "service:verifiedTokens"}
    for rel, href in links.items():
        r = api.get(path_of(href))
        assert r.status_code == 200, (rel, r.status_code)
        for inner_rel, inner in _links(r.json()).items():
            got = api.get(path_of(inner))
            assert got.status_code in (200, 405), (inner_rel, got.status_code)
            if got.status_code == 405:
                assert "POST" in got.headers["Allow"], inner_rel
