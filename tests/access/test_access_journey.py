"""The seed journey as an integrating shop drives it (seed 002; access.md §4, §4.4, §7)."""

from __future__ import annotations

from access_helpers import card, path_of


def test_create_repeat_conflict_resolve_use_delete(api, sandbox):
    """create (201) -> repeat (200) -> changed holder (409) -> GET conflicts link -> PUT the
    cardHolderName link from it (as the Magento/SFCC plugins do) -> use (GET) -> delete -> 404."""
    created = api.post("/tokens", json=card(namespace="customer-42"))
    assert created.status_code == 201
    token = path_of(created.headers["Location"])
    assert api.post("/tokens", json=card(namespace="customer-42")).status_code == 200
    conflict = api.post("/tokens", json=card(holder="Irene Adler", namespace="customer-42"))
    assert conflict.status_code == 409
    details = api.get(path_of(conflict.json()["_links"]["tokens:conflicts"]["href"])).json()
    new_name = details["conflicts"]["paymentInstrument"]["cardHolderName"]
    name_link = path_of(details["_links"]["tokens:cardHolderName"]["href"])
    assert api.put(name_link, json=new_name).status_code == 204
    used = api.get(token).json()
    assert used["paymentInstrument"]["cardHolderName"] == "Irene Adler"
    assert api.post("/tokens", json=card(holder="Irene Adler", namespace="customer-42")).status_code == 200
    assert api.delete(token).status_code == 204
    r = api.get(token)
    assert (r.status_code, r.json()["errorName"]) == (404, "resourceNotFound")
    journal = sandbox.journal(api="access")
    assert [e["status"] for e in journal if e.get("kind") == "exchange"][-1] == 404
    assert "4444333322221111" not in str(journal)  # never journal a full card number
