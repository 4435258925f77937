#!/usr/bin/env python3
"""Drive the official PAY.ON Python wrapper (PyPI `opp` 1.3.1), UNMODIFIED, against a base URL.

    python drive_opp_wrapper.py http://127.0.0.1:PORT [--entity E --user U --password P]
                                [--mode internal|external|live] [--bearer TOKEN]
                                [--sepa] [--paypal] [--decline] [--json]

How the base URL is set (no patching): `opp.config.configure(test_url=BASE + "/v1", ...)` BEFORE any
`opp.core.API(...)` / `opp.facade.API(...)` is built (API() copies config.current_url at construction).
The wrapper authenticates ONLY with the legacy form/query parameters authentication.userId /
authentication.password / authentication.entityId (POST: in the form body; GET/DELETE: in the query
string).  --bearer additionally puts an Authorization header on the wrapper's requests.Session (the
wrapper itself never sends one); without it the run is exactly what the wrapper sends.

Steps (core = dict API, facade = object API).  Every step must end in the wrapper's own
"SUCCESSFUL" class (opp.utils.check_result_code), except --decline which must not:
  core.registration.create      POST   /v1/registrations                  (tokenisation)
  core.registration.get         GET    /v1/registrations/{id}
  core.payment.pa+createReg     POST   /v1/payments  paymentType=PA createRegistration=true
  core.registration.payment     POST   /v1/registrations/{regId}/payments paymentType=DB
        (the wrapper has no method for this path; registrations(registration_id=regId + "/payments")
         .create(...) builds it with the wrapper's own path concatenation)
  core.payment.get              GET    /v1/payments/{id}
  core.payment.capture/refund/reversal  POST /v1/payments/{id} paymentType=CP|RF|RV
  core.registration.delete      DELETE /v1/registrations/{id}
  facade.*                      the same through opp.facade (Registrations/Debits/Preauthorizations/
                                Captures/Refunds/Reversals), parsing replies into ResponseParameters
  --sepa    DIRECTDEBIT_SEPA registration (bankAccount.* + mandate) + DB with it + facade DB with BankAccount
  --paypal  facade debit with VirtualAccount + shopperResultUrl (expects pending 000.200.xxx)
  --decline forced decline customParameters[forceResultCode]=800.100.151 (must NOT be successful)
Exit status 0 when every step behaved as expected.
"""
import argparse
import json
import sys
import traceback

import opp.config
import opp.core
import opp.facade
import opp.utils

# Public demo credentials used by the wrapper's own tests (tests/test_data_utils.py).
DEMO_USER = "8a8294174b7ecb28014b9699220015cc"
DEMO_PASSWORD = "sy6KJsT8"
DEMO_ENTITY = "8a8294174b7ecb28014b9699220015ca"

VISA = {"paymentBrand": "VISA", "card.number": "4200000000000000", "card.holder": "Jane Jones",
        "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"}
MASTER = {"paymentBrand": "MASTER", "card.number": "5454545454545454", "card.holder": "Jane Jones",
          "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"}
SEPA = {"paymentBrand": "DIRECTDEBIT_SEPA", "bankAccount.iban": "DE23100000001234567890",
        "bankAccount.bic": "MARKDEF1100", "bankAccount.country": "DE", "bankAccount.holder": "Jane Jones",
        "bankAccount.mandate.id": "MANDATE0001", "bankAccount.mandate.dateOfSignature": "2025-01-15"}

RESULTS = []


def code_of(reply):
    if isinstance(reply, dict):
        return (reply.get("result") or {}).get("code")
    res = getattr(reply, "result", None)
    return getattr(res, "code", None)


def step(name, http_client, fn, expect="SUCCESSFUL"):
    """Run fn(); record HTTP status, result code and the wrapper's own classification."""
    entry = {"step": name}
    try:
        reply = fn()
        code = code_of(reply)
        klass = opp.utils.check_result_code(code)
        entry.update(status=getattr(http_client.response, "status_code", None), code=code, klass=klass)
        entry["ok"] = (klass == "SUCCESSFUL") if expect == "SUCCESSFUL" else (klass != "SUCCESSFUL")
    except opp.facade.ApiError as e:  # facade raises on HTTP 400/403/404
        code = code_of(e.response)
        entry.update(status=int(e.code), code=code, klass=opp.utils.check_result_code(code),
                     exception=type(e).__name__)
        entry["ok"] = expect != "SUCCESSFUL"
        reply = e.response
    except Exception as e:  # ValueError(non-JSON body, status), parsing crashes, connection errors
        entry.update(ok=False, exception=f"{type(e).__name__}: {e}")
        entry["traceback"] = traceback.format_exc(limit=3)
        reply = None
    RESULTS.append(entry)
    verdict = "ok" if entry["ok"] else "FAIL " + entry.get("exception", "")
    print(f"{name:<34} {entry.get('status')!s:<5} {entry.get('code')!s:<12} {entry.get('klass')!s:<12} {verdict}",
          flush=True)
    return reply


def get(reply, key):
    if isinstance(reply, dict):
        return reply.get(key)
    return getattr(reply, key, None) if reply is not None else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base_url", help="e.g. http://127.0.0.1:8080 (without /v1)")
    ap.add_argument("--entity", default=DEMO_ENTITY)
    ap.add_argument("--user", default=DEMO_USER)
    ap.add_argument("--password", default=DEMO_PASSWORD)
    ap.add_argument("--mode", choices=["internal", "external", "live"], default="internal",
                    help="wrapper mode: adds testMode=INTERNAL|EXTERNAL to every POST, none for live")
    ap.add_argument("--bearer", help="also send 'Authorization: Bearer TOKEN' (not something the wrapper does)")
    ap.add_argument("--sepa", action="store_true")
    ap.add_argument("--paypal", action="store_true")
    ap.add_argument("--decline", action="store_true")
    ap.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    a = ap.parse_args()

    base = a.base_url.rstrip("/") + "/v1"
    mode = {"internal": opp.config.TEST_INTERNAL, "external": opp.config.TEST_EXTERNAL,
            "live": opp.config.LIVE}[a.mode]
    # The only supported way to change the host: module-level configure(); must precede API().
    opp.config.configure(test_url=base, live_url=base, mode=mode, request_timeout=15)

    auth = opp.facade.Authentication(user_id=a.user, password=a.password, entity_id=a.entity)

    # ---------------- core (dict) interface ----------------
    core = opp.core.API(**auth.to_params())
    if a.bearer:
        core.http_client.session.headers["Authorization"] = "Bearer " + a.bearer
    hc = core.http_client

    reg = step("core.registration.create", hc, lambda: core.registrations().create(**dict(VISA)))
    reg_id = get(reg, "id")
    if reg_id:
        step("core.registration.get", hc, lambda: core.registrations(registration_id=reg_id).get())

    pa = step("core.payment.pa+createRegistration", hc, lambda: core.payments().create(
        **dict(MASTER, amount="92.00", currency="EUR", paymentType="PA", createRegistration="true")))
    pa_id, reg2 = get(pa, "id"), get(pa, "registrationId")
    if not reg2:
        RESULTS.append({"step": "core.payment.registrationId present", "ok": False})
        print("core.payment.registrationId present  FAIL (no registrationId in reply)")
    if pa_id:
        step("core.payment.get", hc, lambda: core.payments(payment_id=pa_id).get())
        step("core.payment.capture(CP)", hc, lambda: core.payments(payment_id=pa_id).create(
            amount="92.00", currency="EUR", paymentType="CP"))
    db = None
    if reg_id:
        db = step("core.registration.payment(DB)", hc,
                  lambda: core.registrations(registration_id=reg_id + "/payments").create(
                      amount="10.00", currency="EUR", paymentType="DB"))
    if get(db, "id"):
        step("core.payment.refund(RF)", hc, lambda: core.payments(payment_id=db["id"]).create(
            amount="5.00", currency="EUR", paymentType="RF"))
    pa2 = step("core.payment.pa", hc, lambda: core.payments().create(
        **dict(VISA, amount="3.00", currency="EUR", paymentType="PA")))
    if get(pa2, "id"):
        step("core.payment.reversal(RV)", hc, lambda: core.payments(payment_id=pa2["id"]).create(paymentType="RV"))
    if reg_id:
        step("core.registration.delete", hc, lambda: core.registrations(registration_id=reg_id).delete())
    if a.decline:
        step("core.payment.forced-decline", hc, lambda: core.payments().create(
            **dict(VISA, amount="4.00", currency="EUR", paymentType="DB",
                   **{"customParameters[forceResultCode]": "800.100.151"})), expect="FAIL")
    if a.sepa:
        sreg = step("core.sepa.registration.create", hc, lambda: core.registrations().create(**dict(SEPA)))
        if get(sreg, "id"):
            step("core.sepa.registration.payment(DB)", hc,
                 lambda: core.registrations(registration_id=sreg["id"] + "/payments").create(
                     amount="12.12", currency="EUR", paymentType="DB"))
            step("core.sepa.registration.get", hc, lambda: core.registrations(registration_id=sreg["id"]).get())

    # ---------------- facade (object) interface ----------------
    fapi = opp.facade.API(auth)
    if a.bearer:
        fapi.core.http_client.session.headers["Authorization"] = "Bearer " + a.bearer
    fhc = fapi.core.http_client
    card = opp.facade.CardAccount(holder="Jane Jones", number="5454545454545454", expiry_month="05",
                                  expiry_year="2034", cvv="123")
    freg = step("facade.registration.create", fhc, lambda: fapi.registrations(None).create(
        opp.facade.BasicPayment(payment_brand="MASTER"), card))
    freg_id = get(freg, "id")
    if freg_id:
        step("facade.registration.get", fhc, lambda: fapi.registrations(freg_id).get())
    fdb = step("facade.debit+createRegistration", fhc, lambda: fapi.debits().create(
        basic_payment=opp.facade.BasicPayment(amount="20.00", currency="EUR", payment_brand="MASTER",
                                              descriptor="drive_opp_wrapper"),
        card_account=card,
        # the facade sends the value verbatim: pass the string 'true' (a Python True would go out as "True")
        create_registration=opp.facade.TokenizationAndRegistration(create_registration="true")))
    if fdb is not None and not get(fdb, "registration_id"):
        RESULTS.append({"step": "facade.debit.registration_id present", "ok": False})
        print("facade.debit.registration_id present FAIL")
    if get(fdb, "id"):
        step("facade.refund", fhc, lambda: fapi.refunds(fdb.id).create(
            opp.facade.BasicPayment(amount="20.00", currency="EUR")))
    fpa = step("facade.preauthorization", fhc, lambda: fapi.preauthorizations().create(
        basic_payment=opp.facade.BasicPayment(amount="30.00", currency="EUR", payment_brand="MASTER"),
        card_account=card))
    if get(fpa, "id"):
        step("facade.capture", fhc, lambda: fapi.captures(fpa.id).create(
            opp.facade.BasicPayment(amount="30.00", currency="EUR")))
    fpa2 = step("facade.preauthorization#2", fhc, lambda: fapi.preauthorizations().create(
        basic_payment=opp.facade.BasicPayment(amount="31.00", currency="EUR", payment_brand="MASTER"),
        card_account=card))
    if get(fpa2, "id"):
        step("facade.reversal", fhc, lambda: fapi.reversals(fpa2.id).create())
    if freg_id:
        step("facade.registration.delete", fhc, lambda: fapi.registrations(freg_id).delete())
    if a.decline:
        step("facade.preauthorization.forced-decline", fhc, lambda: fapi.preauthorizations().create(
            basic_payment=opp.facade.BasicPayment(amount="5.00", currency="EUR", payment_brand="MASTER"),
            card_account=card,
            custom_parameters=opp.facade.CustomParameters(use_shopper_prefix=False,
                                                          forceResultCode="800.100.151")), expect="FAIL")
    if a.sepa:
        bank = opp.facade.BankAccount(holder="Jane Jones", iban="DE23100000001234567890", bic="MARKDEF1100",
                                      country="DE",
                                      # BankAccount.to_params() dereferences mandate: it must not be None
                                      mandate=opp.facade.Mandate(id="MANDATE0002", date_of_signature="2025-01-15"))
        step("facade.sepa.debit", fhc, lambda: fapi.debits().create(
            basic_payment=opp.facade.BasicPayment(amount="12.12", currency="EUR", payment_brand="DIRECTDEBIT_SEPA"),
            bank_account=bank))
    if a.paypal:
        pp = step("facade.paypal.debit(async)", fhc, lambda: fapi.debits().create(
            basic_payment=opp.facade.BasicPayment(amount="15.00", currency="EUR", payment_brand="PAYPAL"),
            virtual_account=opp.facade.VirtualAccount(account_id="jane.jones@example.com"),
            async_payments=opp.facade.AsynchronousPayments(shopper_result_url="http://127.0.0.1/return")))
        # success class includes 000.200.000 for this wrapper; Redirect.from_params needs redirect.parameters
        if pp is not None and not isinstance(pp, dict) and getattr(pp, "redirect", None) is None:
            print("facade.paypal.debit: no redirect object in the reply (expected for an async brand)")

    failed = [r for r in RESULTS if not r["ok"]]
    print(f"\n{len(RESULTS)} steps, {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    if a.json:
        print(json.dumps(RESULTS, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
