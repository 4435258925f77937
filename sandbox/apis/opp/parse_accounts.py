"""SEPA and PayPal account parameters (opp.md §13.1), checked for shape like every parameter.

The IBAN's check digits, the holder and the country are account data the core answers with
100.100.x / 100.200.x codes (core/opp/accounts.py), as the platform does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parse import Params

IBAN = re.compile(r"^[a-zA-Z]{2}[0-9]{2}[a-zA-Z0-9]{11,27}\Z")
BIC = re.compile(r"^([a-zA-Z0-9]{8}|[a-zA-Z0-9]{11})\Z")
COUNTRY = re.compile(r"^[a-zA-Z]{2}\Z")
DATE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\Z")
MANDATE_ID = re.compile(r"^[ -~]{1,35}\Z")
ACCOUNT_ID = re.compile(r"^[ -~]{1,100}\Z")


def bank_account(p: Params) -> dict:
    """`bankAccount.*` of a SEPA direct debit (opp.md §13.1); IBAN check digits are the core's."""
    if not any(k.startswith("bankAccount.") for k in p.values):
        p.errors.append({"name": "paymentBrand", "value": p.get("paymentBrand"),
                         "message": "bank account properties must be set"})
        return {}
    account = {"holder": p.get("bankAccount.holder"), "bankName": p.get("bankAccount.bankName"),
               "number": p.get("bankAccount.number"), "iban": p.matching("bankAccount.iban", IBAN),
               "bankCode": p.get("bankAccount.bankCode"), "bic": p.matching("bankAccount.bic", BIC),
               "country": p.matching("bankAccount.country", COUNTRY)}
    for name in ("holder", "bankName", "number", "bankCode"):
        value = account[name]
        if value is not None and len(value) > 128:
            p.bad(f"bankAccount.{name}", "size must be between 0 and 128")
    mandate = {"id": p.matching("bankAccount.mandate.id", MANDATE_ID),
               "dateOfSignature": p.matching("bankAccount.mandate.dateOfSignature", DATE)}
    account = {k: (v.upper() if k in ("iban", "bic", "country") else v) for k, v in account.items() if v is not None}
    if any(mandate.values()):
        account["mandate"] = {k: v for k, v in mandate.items() if v is not None}
    return account


def virtual_account(p: Params) -> dict:
    """`virtualAccount.accountId` of a PayPal payment (opp.md §13.1); the legacy password is never kept."""
    return {"accountId": p.matching("virtualAccount.accountId", ACCOUNT_ID, required=True)}
