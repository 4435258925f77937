"""Bank and virtual accounts (opp.md §13.1): SEPA direct debit and PayPal.

SEPA: the IBAN's shape is a parameter check (apis/opp/parse.py); its ISO 7064 mod-97 check
digits, the holder and the country are account data the platform answers with 100.100.x /
100.200.x codes, like card data. PayPal: the shopper approves the payment at PayPal, so a payment
with a new virtual account is pending with a redirect (000.200.000) until approved.
"""

from __future__ import annotations

# Each ASCII letter or digit as its base-36 value in decimal (A/a -> "10" ... Z/z -> "35").
_BASE36 = str.maketrans({c: str(int(c, 36)) for c in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"})


def iban_ok(iban: str) -> bool:
    """ISO 13616 check digits: move the first four characters to the end, letters to 10..35, mod 97 == 1."""
    text = iban[4:] + iban[:4]
    try:  # ValueError: a character int() refuses, or more digits than int() converts (4,300)
        if text.isascii() and text.isalnum():  # every IBAN that passed the shape check: one C call
            return int(text.translate(_BASE36)) % 97 == 1
        # Anything else character by character: int(c, 36) refuses signs, spaces and "_", which
        # int() would accept inside the joined digits.
        return int("".join(str(int(c, 36)) for c in text)) % 97 == 1
    except ValueError:
        return False


def bank_account_error(account: dict) -> str | None:
    """The account-data code for the first problem of a SEPA bank account, or None."""
    iban = account.get("iban")
    if not iban and not account.get("number"):
        return "100.100.100"  # request contains no creditcard, bank account number or bank name
    if iban and not iban_ok(iban):
        return "100.100.101"  # invalid creditcard, bank account number or bank name
    holder = account.get("holder")
    if holder is None:
        return "100.100.400"  # request contains no cc/bank account holder
    if not 4 <= len(holder) <= 128:
        return "100.100.401"  # cc/bank account holder too short or too long
    country = account.get("country")
    if iban and country and country != iban[:2]:
        return "100.200.100"  # bank account contains no or invalid country
    return None


def account_error(account: dict) -> str | None:
    bank = account.get("bankAccount")
    return bank_account_error(bank) if bank is not None else None
