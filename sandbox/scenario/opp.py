"""OPP registration fixture builder: the same core functions as `POST /v1/registrations`.

A seeded registration is built by `core.opp.registrations.new_registration` with the facts
`registration_meta` gives the API's, so GET /_sandbox/state shows a seeded and an API-created
registration alike (tests/opp/test_opp_parity.py). Seeded OPP payments need no rendered reply:
the adapter renders every payment from its facts (apis/opp/render.py).
"""

from __future__ import annotations

from ..core.opp import registrations
from ..core.opp.accounts import bank_account_error
from ..core.opp.outcomes import opp_brand
from ..core.opp.results import describe
from ..core.tokens import Token
from .common import COMMON_TOKEN, Ctx, Fields, _address, _common, _expiry, _pan

# -- OPP registrations (opp.md §5, §10) ----------------------------------------------------------
OPP_TOKEN = COMMON_TOKEN | {"id", "paymentBrand", "card", "bankAccount", "virtualAccount", "billing", "customer",
                            "deregistered", "extended"}
OPP_CARD = {"number", "holder", "expiryMonth", "expiryYear"}
OPP_BANK = {"holder", "bankName", "number", "iban", "bankCode", "bic", "country", "mandate"}


def opp_registration(f: Fields, ctx: Ctx) -> Token:
    card = f.sub("card", OPP_CARD) or Fields(f.loc, f.path + ("card",), {})
    reg_id = (f.text("id") or ctx.ids.opp_id()).lower()
    if not registrations.REGISTRATION_ID.match(reg_id):
        raise f.err("id", "expected 32 hexadecimal characters (the vendor's registration id)")
    customer = f.mapping("customer")
    account = _account(f)
    if account is not None:  # a SEPA or PayPal registration (opp.md §13.1)
        meta = registrations.registration_meta(
            "DIRECTDEBIT_SEPA" if "bankAccount" in account else "PAYPAL", None,
            {k: str(v) for k, v in customer.items()} if customer else None, _address(f, ctx, "billing"), None)
        token = registrations.new_account_registration(reg_id, account, ctx.now, meta)
    else:
        month, year = _expiry(card, ctx, "expiryMonth", "expiryYear")
        pan = _pan(card, "number", ctx)
        meta = registrations.registration_meta(
            f.text("paymentBrand") or opp_brand(pan), None,
            {k: str(v) for k, v in customer.items()} if customer else None, _address(f, ctx, "billing"), None)
        token = registrations.new_registration(
            reg_id, {"number": pan, "expiryMonth": month, "expiryYear": year,
                     "holder": card.text("holder") or ctx.fill.holder()}, ctx.now, meta)
    _common(token, f, ctx)
    if f.boolean("extended"):
        token.meta["extended"] = True
        token.meta["extendedAt"] = token.last_used_at
    token.expires_at = registrations.lapse_at(token)
    if f.boolean("deregistered"):
        registrations.deregister(token, token.last_used_at)
    return token


def _account(f: Fields) -> dict | None:
    """`bankAccount: {iban, holder, ...}` or `virtualAccount: {accountId}`, checked as the API checks them."""
    if f.has("bankAccount") and f.has("virtualAccount"):
        raise f.err("virtualAccount", "a registration holds one account: bankAccount or virtualAccount")
    bank = f.sub("bankAccount", OPP_BANK)
    if bank is not None:
        data = {k: str(v) for k, v in bank.d.items() if v is not None and k != "mandate"}
        mandate = bank.sub("mandate", {"id", "dateOfSignature"})
        if mandate is not None:
            data["mandate"] = {k: str(v) for k, v in mandate.d.items() if v is not None}
        if "iban" in data:
            data["iban"] = data["iban"].replace(" ", "").upper()
        code = bank_account_error(data)
        if code is not None:
            raise bank.err(None, f"the API would refuse this bank account with {code}: {describe(code)}")
        return {"bankAccount": data}
    virtual = f.sub("virtualAccount", {"accountId"})
    if virtual is not None:
        account_id = virtual.text("accountId", required=True)
        return {"virtualAccount": {"accountId": str(account_id)}}
    return None
