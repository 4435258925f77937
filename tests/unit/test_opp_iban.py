"""SEPA IBAN check digits (core/opp/accounts.py): the one-call path for ASCII letters and digits
agrees with converting the IBAN character by character, for any text."""

from __future__ import annotations

import random

import pytest

from sandbox.core.opp.accounts import iban_ok


def reference(iban: str) -> bool:
    text = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in text)) % 97 == 1
    except ValueError:
        return False


@pytest.mark.parametrize("iban", ["DE23100000001234567890", "de23100000001234567890", "GB82WEST12345698765432",
                                  "DE24100000001234567890", "", "DE2", " DE23100000001234567890",
                                  "DE23100000001234567890 ", "DE2310000000123456789_", "+DE23100000001234567890",
                                  "DE23 100000001234567890", "٣٣٣٣٣", "ＤＥ23100000001234567890"])
def test_known_ibans(iban):
    assert iban_ok(iban) == reference(iban)


def test_random_texts():
    rng = random.Random(97)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZaz -_+\t٣Ａ"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 34)))
        assert iban_ok(text) == reference(text), text
    assert iban_ok("DE23100000001234567890") is True


def test_a_text_too_long_for_int_is_refused_not_raised():
    assert iban_ok("DE23" + "1" * 5000) is False
    assert iban_ok("DE23" + "Z" * 3000) is False
