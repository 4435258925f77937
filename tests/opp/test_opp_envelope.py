"""Issue 16 item 6: the result-code catalogue and envelope details (opp.md §13.5, §13.7, §13.8)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from opp_support import CARD, PAYMENT, SUCCESS

from sandbox.core.opp.results import DESCRIPTIONS

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
CODE = re.compile(r"\"([0-9]{3}\.[0-9]{3}\.[0-9]{3})\"")


def test_resultcodes_lists_the_published_catalogue_with_its_groups(http):
    """opp.md §13.5: 667 codes with descriptions; §8.1: the regex groups clients classify with."""
    body = http.get("/v1/resultcodes").json()
    codes = {c["code"]: c["description"] for c in body["resultCodes"]}
    assert len(codes) == 667
    assert codes["700.400.700"] == "initial and referencing channel-ids do not match"
    assert codes["100.150.206"] == "Retention period expired"
    groups = body["resultCodeGroups"]
    assert len(groups) == 26 and groups[0]["regex"].startswith("^(000\\.000\\.|000\\.100\\.1|000\\.[36]")
    for c in codes:  # every code falls in at most one class the client can act on
        assert re.match(r"^\d{3}\.\d{3}\.\d{3}$", c)


def test_every_code_the_sandbox_sends_is_in_the_catalogue():
    """opp.md §13.5: no placeholder descriptions -- each result code literal in the OPP sources is
    a published code."""
    sources = list((SANDBOX / "core" / "opp").glob("*.py")) + list((SANDBOX / "apis" / "opp").glob("*.py"))
    used = {m for f in sources for m in CODE.findall(f.read_text())}
    assert len(used) > 40
    assert sorted(used - set(DESCRIPTIONS)) == []


def test_forcing_a_code_outside_the_catalogue_is_a_parameter_error(opp):
    """opp.md §9 + §13.5: forceResultCode takes a published code."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "customParameters[forceResultCode]": "123.456.789"})
    assert r.status_code == 400 and r.json()["result"]["parameterErrors"][0]["name"] == \
        "customParameters[forceResultCode]"


def test_integrity_is_the_sri_hash_of_the_served_widget(opp, http):
    """opp.md §13.7: integrity=true adds sha384-<base64> of the exact script bytes served."""
    r = opp.post("/v1/checkouts", {**PAYMENT, "integrity": "true"})
    script = http.get(f"/v1/paymentWidgets.js?checkoutId={r.json()['id']}")
    expected = "sha384-" + base64.b64encode(hashlib.sha384(script.content).digest()).decode()
    assert r.json()["integrity"] == expected and script.headers["Access-Control-Allow-Origin"] == "*"
    assert "integrity" not in opp.post("/v1/checkouts", PAYMENT).json()


def test_checkout_status_uses_the_checkout_id_as_ndc(opp, http):
    """opp.md §13.8: checkout status replies carry the checkout id as ndc."""
    cid = opp.post("/v1/checkouts", PAYMENT).json()["id"]
    assert http.post(f"/v1/checkouts/{cid}/payment", data=CARD).json()["ndc"] == cid
    assert opp.get(f"/v1/checkouts/{cid}/payment").json()["ndc"] == cid


def test_back_office_replies_have_their_own_descriptor(opp):
    """opp.md §13.8: CP/RF/RV carry a new `dddd.dddd.dddd <channel>` descriptor; CP and RV risk 0."""
    pa = opp.post("/v1/payments", {**CARD, **PAYMENT, "paymentType": "PA"}).json()
    cp = opp.post(f"/v1/payments/{pa['id']}", {"paymentType": "CP"}).json()
    rf = opp.post(f"/v1/payments/{pa['id']}", {"paymentType": "RF", "amount": "1.00", "currency": "EUR"}).json()
    for reply in (pa, cp, rf):
        assert re.match(r"^\d{4}\.\d{4}\.\d{4} \S+", reply["descriptor"])
    assert len({pa["descriptor"], cp["descriptor"], rf["descriptor"]}) == 3
    assert cp["risk"] == {"score": "0"} and "risk" not in rf and "card" not in cp


def test_wrong_http_method_is_200_300_403(http):
    """opp.md §13.8: 200.300.403 Invalid HTTP method, in the JSON envelope."""
    r = http.put("/v1/registrations", headers={"Authorization": "Bearer x"})
    assert r.status_code == 405 and r.json()["result"]["code"] == "200.300.403"


@pytest.mark.parametrize("currency", ["XXX", "XTS", "ABC"])
def test_currency_must_be_iso_4217(opp, currency):
    """opp.md §8.5: 100.550.401 invalid currency; nothing stored."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "currency": currency})
    assert r.status_code == 400 and r.json()["result"]["code"] == "100.550.401"
    r = opp.post("/v1/checkouts", {**PAYMENT, "currency": currency})
    assert r.json()["result"]["code"] == "100.550.401"
    assert opp.state()["tenants"] == {}


def test_maestro_and_visa_electron_brand_checks(opp):
    """opp.md §9 test cards; §8.5 100.100.700 number/brand; 100.100.600 needs no CVV for MAESTRO."""
    maestro = {**CARD, "paymentBrand": "MAESTRO", "card.number": "6799851000000032"}
    maestro.pop("card.cvv")
    assert SUCCESS.match(opp.post("/v1/payments", {**maestro, **PAYMENT}).json()["result"]["code"])
    electron = {**CARD, "paymentBrand": "VISAELECTRON", "card.number": "4917300800000000"}
    assert SUCCESS.match(opp.post("/v1/payments", {**electron, **PAYMENT}).json()["result"]["code"])
    for brand, number in (("VISAELECTRON", "4200000000000000"), ("MAESTRO", "4200000000000000")):
        r = opp.post("/v1/payments", {**CARD, **PAYMENT, "paymentBrand": brand, "card.number": number})
        assert r.json()["result"]["code"] == "100.100.700"


def test_3ds_redirect_is_a_form_post_with_parameters(opp, http):
    """opp.md §13.8: redirect{url, method POST, parameters[{name,value}]}; posting them completes it."""
    body = opp.post("/v1/payments", {**CARD, **PAYMENT, "customParameters[3DS2_enrolled]": "true"}).json()
    redirect = body["redirect"]
    assert redirect["method"] == "POST" and {p["name"] for p in redirect["parameters"]} >= {"MD", "TermUrl"}
    r = http.post(redirect["url"], data={p["name"]: p["value"] for p in redirect["parameters"]})
    assert r.status_code == 200 and SUCCESS.match(r.json()["result"]["code"])


def test_card_fields_without_a_number_are_a_parameter_error(opp):
    """opp.md §6: a missing card.number is a parameter error (200.300.404), not 100.100.100."""
    r = opp.post("/v1/registrations", {k: v for k, v in CARD.items() if k != "card.number"})
    assert r.status_code == 400 and r.json()["result"]["code"] == "200.300.404"
    assert [e["name"] for e in r.json()["result"]["parameterErrors"]] == ["card.number"]


def test_legacy_recurring_type_is_echoed(opp):
    """opp.md §13.4: the deprecated top-level recurringType is echoed; REPEATED is merchant-initiated."""
    token = opp.register()["id"]
    r = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, "recurringType": "REPEATED"}).json()
    assert r["recurringType"] == "REPEATED" and "resultDetails" not in r
