"""Card rules in the core: Luhn, brand from BIN ranges, masking (issue #2).

Test numbers are the ones each reference documents: access.md §13, opp.md §9, wpg.md §7.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.core import cards
from sandbox.core.catalogue import Catalogue

# (PAN, canonical brand) from the three references' test-card lists.
REFERENCE_CARDS = [
    ("4444333322221111", "VISA"),  # access.md §13, wpg.md §7
    ("4911830000000", "VISA"),
    ("4917610000000000", "VISA"),
    ("4462030000000000", "VISA"),
    ("4917300800000000", "VISA"),
    ("4484070000000000", "VISA"),
    ("5555555555554444", "MASTERCARD"),
    ("5454545454545454", "MASTERCARD"),
    ("2221000000000009", "MASTERCARD"),  # 2-series
    ("5163613613613613", "MASTERCARD"),
    ("6759649826438453", "MAESTRO"),
    ("343434343434343", "AMEX"),
    ("6011000400000000", "DISCOVER"),
    ("3528000700000000", "JCB"),
    ("4000000000002701", "VISA"),
    ("5200000000002235", "MASTERCARD"),
    ("340000000002708", "AMEX"),
    ("6011000000002117", "DISCOVER"),
    ("4200000000000000", "VISA"),  # opp.md §9
    ("377777777777770", "AMEX"),
    ("36961903000009", "DINERS"),
    ("6011587918359498", "DISCOVER"),
    ("3541599999092431", "JCB"),
    ("6799851000000032", "MAESTRO"),
    ("4111111111111111", "VISA"),
    ("371449635398431", "AMEX"),  # wpg.md §7 (AM remote tests)
    ("6220000000000000", "CHINAUNIONPAY"),
    ("6362970000457013", "ELO"),
]


@pytest.mark.parametrize("pan,brand", REFERENCE_CARDS)
def test_reference_cards_have_their_brand(pan, brand):
    assert cards.brand_of(pan) == brand


@pytest.mark.parametrize("pan", [p for p, _ in REFERENCE_CARDS if p not in {"6220000000000000", "6362970000457013"}])
def test_reference_cards_pass_luhn(pan):
    assert cards.luhn_ok(pan)


@pytest.mark.parametrize("pan", ["4444444444444444", "4200000000000001", "4444333322221112", "12a4", ""])
def test_luhn_failures(pan):
    # opp.md §9: 4444444444444444 and 4200000000000001 are the documented Luhn-invalid cards.
    assert not cards.luhn_ok(pan)


def test_masking_as_access_and_paymentservice_render_it():
    # access.md §3.2 / seed 002 sample: "4444********1111"; seed 003 obfuscatedPAN the same.
    assert cards.mask("4444333322221111") == "4444********1111"
    assert cards.mask("343434343434343") == "3434*******4343"
    assert cards.bin6("4444333322221111") == "444433"  # opp.md §6 card.bin
    assert cards.last4("4444333322221111") == "1111"  # opp.md §6 card.last4Digits


def test_mask_text_hides_card_numbers_but_not_vendor_token_ids():
    text = '{"card.number": "4444333322221111", "tokenId": "9902480679618049603", "id": "99444433060076481111"}'
    masked = cards.mask_text(text)
    assert "4444333322221111" not in masked
    assert "4444********1111" in masked
    assert "9902480679618049603" in masked and "99444433060076481111" in masked


def test_catalogue_profile_uses_bin_table_then_ranges():
    cat = Catalogue()
    p = cat.profile("4444333322221111")
    assert (p.brand, p.funding, p.country, p.bin, p.last4) == ("VISA", "credit", "GB", "444433", "1111")
    # A card the table does not list still gets its brand from the ranges.
    q = cat.profile("4532497088771651")
    assert q.brand == "VISA" and q.country is None


def _full_scan(text: str) -> str:
    """The security-code pattern run over the whole text: what mask_text's offset search must equal."""
    return cards._CVV_IN_TEXT.sub(lambda m: m.group(1) + "***", text)


@pytest.mark.parametrize("text", [
    '{"CVC": "123"}', '{"Cvv2": "1234"}', "card.CVV=987", "<SecurityCode>321</SecurityCode>",  # any case
    "card.number=4444&card.cvv=123", '{"cvc":"654"}', "<cvc>739",  # the code at the very end
    '{"cvc": "111", "card": {"cvv": "222"}, "cid": "3333"}',  # several, each masked
    "<cvc>1</cvc><cvc>22</cvc><cvc>333</cvc>", "cvcvc=123&cvv=\\u0034\\u0035\\u0036",  # short and overlapping names
    "cvc2=1234", "<cvc><![CDATA[ 777 ]]></cvc>", "cıd=555&ſecuritycode=666&cİd=888",  # letters (?i) folds
    "José cvv=123 İstanbul",  # non-ASCII text elsewhere
])
def test_mask_text_masks_security_codes_as_the_full_pattern_does(text):
    assert cards.mask_text(text) == _full_scan(cards._PAN_IN_TEXT.sub(cards._mask_run, text))
    for code in ("123", "1234", "987", "321", "654", "739", "111", "222", "3333", "333", "777", "555", "666", "888"):
        assert f"={code}" not in cards.mask_text(text) and f">{code}" not in cards.mask_text(text)


def test_security_code_search_folds_every_letter_the_pattern_folds():
    """mask_text finds field names with str.find on folded text; (?i) must not match any other
    non-ASCII letter onto a name's letters on this Python, or a spelling would slip past the search."""
    import re
    import sys
    letters = re.compile("(?i)[" + "".join(sorted(set("cvvcvncidsecuritycode"))) + "]")
    every = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000 and i >= 128)
    assert {ord(c) for c in letters.findall(every)} == set(cards._FOLD)


@pytest.mark.parametrize("text", [
    "card.number=4444%203333%202222%201111", "card.number=4444%2D3333%2d2222%2D1111",  # percent-encoded separators
    '{"cardNumber": "4444\\u00203333\\u002d2222\\u00201111"}',  # JSON-escaped separators, no escaped digit
    "<cardNumber>4444&#32;3333&#45;2222&#32;1111</cardNumber>",  # XML character-reference separators
    "<cardNumber>4444&#32;3333 2222-1111</cardNumber>",
])
def test_mask_text_masks_numbers_whose_separators_are_spelled_with_digits(text):
    """`%20`, `\\u0020` and `&#32;` hold digits of their own: they separate, they are not digits."""
    assert cards.mask_text(text).count("4444********1111") == 1
    assert "3333" not in cards.mask_text(text) and "2222" not in cards.mask_text(text)


@pytest.mark.parametrize("text", ["<cvc>&#49;&#50;&#51;</cvc>", "<cvc>&#x31;&#x32;&#x33;</cvc>",
                                  "<cvc>&#0049;&#50;&#51;&#52;</cvc>", '{"cvc": "&#57;8&#55;"}'])
def test_mask_text_masks_security_codes_written_as_character_references(text):
    assert cards.mask_text(text).replace("***", "").strip("<>/cv{}\": ") == ""


def test_a_cdata_section_alone_does_not_need_the_spelled_pass():
    """The spelled pass runs for a CDATA split, not for any CDATA: one section is plain text."""
    assert cards.mask_text("<n><![CDATA[4444333322221111]]></n>") == "<n><![CDATA[4444********1111]]></n>"
    assert cards.mask_text("<n><![CDATA[4444]]><![CDATA[333322221111]]></n>") == "<n><![CDATA[4444********1111]]></n>"


def test_mask_text_finds_security_codes_under_escaped_names():
    """Issue 14 §9: a name with any letter escaped the URL, JSON or XML way is still the name."""
    for text in ('{"\\u0063vc": "123"}', "card.%63vv=123", "c%76v=123", '{"CV\\u0043": "123"}', "cvv%32=123",
                 "sec&#117;rityCode=123", "&#x63;vc=123", "SECURITYCOD%45=123"):
        assert "123" not in cards.mask_text(text), text
    for text in ("jane%40example.com", "https%3A%2F%2Fexample.com%2Fcv%2F123", "%63at=123"):
        assert cards.mask_text(text) == text, text  # escapes of other names and characters stay as sent


# The run search (mask_text on ASCII text) must mask exactly what the card-number pattern masks
# over the whole text (issue 14 §8 masking, issue 18 cost): digits, separators and their
# neighbours drawn densely so runs, split runs and near-misses are all common.
_RUNS_ALPHABET = "0123456789 +-x9\"4&"


@given(st.text(alphabet=_RUNS_ALPHABET, max_size=80))
@settings(max_examples=3000, deadline=None)
def test_card_number_run_search_masks_what_the_whole_text_pattern_masks(text):
    assert cards._mask_runs(text) == cards._PAN_IN_TEXT.sub(cards._mask_run, text)


@pytest.mark.parametrize("text", [
    "4444333322221111", "x4444 3333 2222 1111x", "9943962133946980664", "1-2-3-4-5-6-7-8-9-0-1-2",
    '"tokenId": "9943962133946980664", "cardNumber": "5555555555554444"', "44443333222211119",
    "DE23100000001234567890", "2026-11-01 00:00:00 +0000", "a" * 50 + "4444333322221111",
])
def test_mask_text_finds_card_numbers_in_runs_as_the_pattern_does(text):
    assert cards.mask_text(text) == cards._mask_codes(cards._PAN_IN_TEXT.sub(cards._mask_run, text))
