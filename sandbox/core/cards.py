"""Card numbers: Luhn, brand from BIN ranges, issuer details, masking.

Brands use one canonical vocabulary (Access Tokens spelling); each adapter maps it to its own
(OPP `MASTER`, paymentService `ECMC`, ...). Issuer details (funding type, country, sub-brand)
come from the BIN table in the card catalogue, which fixtures can extend.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

VISA = "VISA"
MASTERCARD = "MASTERCARD"
AMEX = "AMEX"
DISCOVER = "DISCOVER"
DINERS = "DINERS"
JCB = "JCB"
MAESTRO = "MAESTRO"
CHINAUNIONPAY = "CHINAUNIONPAY"
ELO = "ELO"
CARTEBANCAIRE = "CARTEBANCAIRE"

BRANDS = (VISA, MASTERCARD, AMEX, DISCOVER, DINERS, JCB, MAESTRO, CHINAUNIONPAY, ELO, CARTEBANCAIRE)

# (low, high, brand) on the first six digits, most specific first. Elo ranges are published BIN
# lists that sit inside Visa, Discover and Maestro space, so they are checked before those.
_ELO = [
    (401178, 401179), (431274, 431274), (438935, 438935), (451416, 451416), (457393, 457393),
    (457631, 457632), (504175, 504175), (506699, 506778), (509000, 509999), (627780, 627780),
    (636297, 636297), (636368, 636368), (650031, 650033), (650035, 650051), (650405, 650439),
    (650485, 650538), (650541, 650598), (650700, 650718), (650720, 650727), (650901, 650920),
    (651652, 651679), (655000, 655019), (655021, 655058),
]
_RANGES: list[tuple[int, int, str]] = [(lo, hi, ELO) for lo, hi in _ELO] + [
    (622126, 622925, DISCOVER),  # Discover/UnionPay co-acceptance range
    (601100, 601199, DISCOVER),
    (644000, 659999, DISCOVER),
    (352800, 358999, JCB),
    (300000, 305999, DINERS),
    (309500, 309599, DINERS),
    (360000, 369999, DINERS),
    (380000, 399999, DINERS),
    (340000, 349999, AMEX),
    (370000, 379999, AMEX),
    (222100, 272099, MASTERCARD),
    (510000, 559999, MASTERCARD),
    (500000, 509999, MAESTRO),
    (560000, 589999, MAESTRO),
    (630400, 630499, MAESTRO),
    (675900, 676399, MAESTRO),
    (679900, 679999, MAESTRO),
    (620000, 629999, CHINAUNIONPAY),
    (810000, 817199, CHINAUNIONPAY),
    (400000, 499999, VISA),
]

_DIGITS = re.compile(r"^[0-9]{12,19}\Z")


def luhn_ok(number: str) -> bool:
    """Mod-10 check over a string of digits."""
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def looks_like_pan(value: str) -> bool:
    """12 to 19 digits: the shape every API accepts as a card number."""
    return bool(_DIGITS.match(value))


def brand_of(number: str) -> str | None:
    """Canonical brand from the BIN ranges, or None when no range covers it."""
    if len(number) < 6 or not number[:6].isdigit():
        return None
    six = int(number[:6])
    for lo, hi, brand in _RANGES:
        if lo <= six <= hi:
            return brand
    return None


def bin6(number: str) -> str:
    return number[:6]


def last4(number: str) -> str:
    return number[-4:]


def mask(number: str) -> str:
    """`4444********1111`: the masking Access Tokens and paymentService both return."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# Digit runs that could be a card number: 12-19 digits starting 2-6 (card brand space), not part
# of a longer run. Vendor token ids start with 9 and are never caught. The character class comes
# first (the look-behind re-checks the digit before it) so the regex engine can skip ahead to a
# candidate digit: 3x faster on the journal's every-request bodies than a leading look-behind.
# UnionPay also issues 81xxxx (brand_of's 810000-817199 range), so 8 is card space too. One
# space, dash or `+` (a form-encoded space) may sit between two digits: "4444 3333 2222 1111".
_PAN_IN_TEXT = re.compile(r"[2-68](?<![0-9][2-68])(?:[ +-]?[0-9]){11,18}(?![0-9])")
_NOT_DIGIT = re.compile(r"[^0-9]")

# The same digits written so that no plain digit run shows (issue 14 §8): JSON `\u0034`, percent
# `%34`, XML `&#52;` / `&#x34;`, or split across CDATA sections (`4444]]><![CDATA[3333`). A
# "digit unit" is a digit in any of those spellings; a card number is 12-19 units with at most
# one separator between two of them. Slower, so only run when one of those spellings is present.
_UNIT = r"(?:[0-9]|\\u003[0-9]|%3[0-9]|&#0*(?:4[89]|5[0-7]);|&#[xX]0*3[0-9];)"
_SEP = r"(?:[ +-]|%20|%2[dD]|\\u0020|\\u002[dD]|&#32;|&#45;|\]\]><!\[CDATA\[)?"
_SPELLED_PAN = re.compile(rf"(?<![0-9%&;\\]){_UNIT}(?:{_SEP}{_UNIT}){{11,18}}(?![0-9])")
# A separator is matched first and yields no digit: `&#32;`, `%20`, `\u0020` hold digits of their own.
_UNIT_DIGIT = re.compile(r"%2[0dD]|\\u002[0dD]|&#32;|&#45;"
                         r"|\\u003([0-9])|%3([0-9])|&#[xX]0*3([0-9]);|&#0*(4[89]|5[0-7]);|([0-9])")

# A card security code after its field name, in JSON, form or XML spelling (issue 14 §9).
_CVV_NAMES = ("cvv", "cvc", "cvn", "cvv2", "cvc2", "cid", "securitycode")
_CVV_AFTER_NAME = (r"(?:[\"']?\s*[:=>]\s*(?:<!\[CDATA\[)?[\"']?\s*))"
                   r"((?:[0-9]|\\u003[0-9]|%3[0-9]|&#0*(?:4[89]|5[0-7]);|&#[xX]0*3[0-9];){3,4})(?![0-9])")
_CVV_IN_TEXT = re.compile(r"(?i)((?:" + "|".join(_CVV_NAMES) + ")" + _CVV_AFTER_NAME)


def _any_spelling(ch: str) -> str:
    """One character of a field name as a client may send it: plain, or escaped the JSON, URL or
    XML way (a JSON parser reads `"\\u0063vc"` as "cvc", a form parser `%63vc` as "cvc")."""
    alts = [re.escape(ch)]
    for c in dict.fromkeys((ch.lower(), ch.upper())):
        o = ord(c)
        alts += [rf"\\u{o:04x}", f"%{o:02x}", f"&#0*{o};", f"&#x0*{o:x};"]
    return "(?:" + "|".join(alts) + ")"


# The same names with any of their letters escaped (matched case-insensitively, hex digits too).
# Only text holding an escaped letter can hold one, so the search below gates it.
# Compiled on first use (9 ms, the largest part of importing this module: start-up, issue 18).
@functools.cache
def _cvv_escaped() -> re.Pattern:
    return re.compile(r"(?i)((?:" + "|".join("".join(map(_any_spelling, n)) for n in _CVV_NAMES) + ")"
                      + _CVV_AFTER_NAME)
# An escaped letter (or the 2 of cvv2), in the URL, JSON or XML way: only text holding one can
# spell a name with escapes. Each search opens on a literal, so it is a fast scan (~1 us).
_ESCAPED_LETTER = (
    ("%", re.compile(r"%(?:[46][1-9a-fA-F]|[57][0-9aA]|32)")),
    ("\\u00", re.compile(r"\\u00(?:[46][1-9a-fA-F]|[57][0-9aA]|32)")),
    ("&#", re.compile(r"&#(?:[xX]0*(?:[46][1-9a-fA-F]|[57][0-9aA]|32)|0*(?:50|6[5-9]|[78][0-9]|90|9[7-9]|1[01][0-9]|12[0-2]));")),
)


def _spells_a_letter(text: str) -> bool:
    # Each mark is looked for by its first character first: a one-character `in` is a memchr,
    # a longer needle a slower scan (1-2 us over a 1.6 KB reply, on every body of every request).
    for mark, pattern in _ESCAPED_LETTER:
        if mark[0] in text and mark in text and pattern.search(text):
            return True
    return False


def _spells_a_digit(text: str) -> bool:
    """A digit or a separator spelled out, or a CDATA split: only then can a split card number
    hide from the plain pattern (same first-character gates as above)."""
    return (
        ("\\" in text and "\\u00" in text)
        or ("%" in text and ("%2" in text or "%3" in text))
        or ("&" in text and "&#" in text)
        or ("]" in text and "]]><![CDATA[" in text)
    )


def _spelled_digits(text: str) -> str:
    out = []
    for m in _UNIT_DIGIT.finditer(text):
        if m.lastindex is None:  # a separator
            continue
        if m.group(4):
            out.append(chr(int(m.group(4))))
        else:
            out.append(m.group(1) or m.group(2) or m.group(3) or m.group(5))
    return "".join(out)


def _mask_spelled(m: re.Match) -> str:
    digits = _spelled_digits(m.group(0))
    if not (12 <= len(digits) <= 19) or digits[0] not in "234568":
        return m.group(0)
    return mask(digits)


def _mask_run(m: re.Match) -> str:
    run = m.group(0)
    return mask(run if run.isdigit() else _NOT_DIGIT.sub("", run))


def mask_text(text: str) -> str:
    """Mask anything in free text that could be a card number or a security code (journal, logs,
    dashboard), in every spelling a client may send: plain, escaped, encoded or separated."""
    # First: a split number must be masked whole, not in parts. Only text holding one of the
    # spellings can hold such a number (a digit or a separator spelled out, or a CDATA split);
    # without them the plain pattern below masks everything the spelled one would.
    if _spells_a_digit(text):
        text = _SPELLED_PAN.sub(_mask_spelled, text)
    text = _mask_runs(text) if text.isascii() else _PAN_IN_TEXT.sub(_mask_run, text)
    return _mask_codes(text)


# Every body of every request is masked, and _PAN_IN_TEXT tries a match at each digit 2-6 or 8
# not preceded by a digit: in a reply full of opaque links (base64, many digits) that is most of
# the masking time (42 us of a 1.6 KB Access token). A card number is 12+ digits with at most
# one separator between two of them, so it lies inside a run of 12 or more characters of
# [0-9 +-]. bytes.translate marks those characters ("0") in C, bytes.find finds the runs that
# long (a handful per body: token ids, the card number itself), and the pattern is only tried
# inside them, with the same look-behind and look-ahead (both see past pos/endpos, and the
# character either side of a run is neither a digit nor a separator): the same matches as
# `_PAN_IN_TEXT.sub` on the whole text. ASCII text only, so byte and character offsets agree.
_RUN_OF = bytes(48 if chr(c) in "0123456789 +-" else 120 for c in range(256))  # "0" / "x"
_TWELVE = b"0" * 12


def _mask_runs(text: str) -> str:
    marks = text.encode("ascii").translate(_RUN_OF)
    i = marks.find(_TWELVE)
    if i < 0:
        return text
    out: list[str] = []
    done = 0
    while i >= 0:  # i starts a run: the search resumes after an "x", and shorter runs hold no 12
        j = marks.find(b"x", i + 12)
        if j < 0:
            j = len(marks)
        run = text[i:j]
        digits = run.strip(" +-")  # a match starts and ends on a digit
        if digits.isdigit():
            # Digits only (a token id, a card number, an order code's tail): the pattern matches
            # the whole of it or nothing, as it cannot start after a digit or end before one.
            if 12 <= len(digits) <= 19 and digits[0] in "234568":
                start = i + run.index(digits[0])
                out += (text[done:start], mask(digits))
                done = start + len(digits)
        else:
            for m in _PAN_IN_TEXT.finditer(text, i, j):
                out += (text[done : m.start()], _mask_run(m))
                done = m.end()
        i = marks.find(_TWELVE, j)
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


# The security-code pattern is case-insensitive and starts with an alternation, so the regex
# engine tries it at every position of the body: 63 of the 79 us that masking a 742-character
# XML order took. A match can only start where a field name starts, so the names are found with
# str.find on the lower-cased text and the same pattern is only tried there, left to right and
# skipping what a match consumed, exactly as `sub` would. (?i) also folds three non-ASCII
# letters onto the names' letters (İ, ı -> i, ſ -> s; tests/test_cards.py checks the set against
# the running Python): they are folded before the search, so "cıd" is found as the pattern finds it.
_CVV_NAME_STARTS = ("cv", "cid", "securitycode")  # cvv, cvc, cvn, cvv2, cvc2 all start "cv"
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s"}


def _mask_codes(text: str) -> str:
    if _spells_a_letter(text):  # a name spelled with escapes: rare (no client escapes letters), a full scan
        text = _cvv_escaped().sub(lambda m: m.group(1) + "***", text)
    low = text.lower() if text.isascii() else text.translate(_FOLD).lower()
    if len(low) != len(text):  # offsets would not line up: scan the whole text, never less
        return _CVV_IN_TEXT.sub(lambda m: m.group(1) + "***", text)
    starts = []
    for name in _CVV_NAME_STARTS:
        i = low.find(name)
        while i >= 0:
            starts.append(i)
            i = low.find(name, i + 1)
    if not starts:
        return text
    starts.sort()
    out = []
    done = 0
    for i in starts:
        if i < done:  # inside the previous match: `sub` would not try here either
            continue
        m = _CVV_IN_TEXT.match(text, i)
        if m is not None:
            out += (text[done:i], m.group(1), "***")
            done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class BinInfo:
    """What the issuer table says about a BIN prefix."""

    prefix: str
    brand: str | None = None
    funding: str = "credit"  # credit | debit | prepaid | charge | deferredDebit
    country: str | None = None  # ISO 3166 alpha-2 of the issuer
    sub_brand: str | None = None  # paymentService cardSubBrand, e.g. VISA_CREDIT
    co_brand: str | None = None  # e.g. CARTEBANCAIRE


@dataclass(frozen=True, slots=True)
class CardProfile:
    """Everything derived from a PAN that the APIs render."""

    brand: str | None
    funding: str
    country: str | None
    sub_brand: str | None
    co_brand: str | None
    bin: str
    last4: str
    masked: str


_PROFILES_MAX = 1024  # bounded: a long run sees many cards, a hot card stays cached


class BinTable:
    """Longest-prefix lookup of issuer details; fixtures add rows at run time."""

    def __init__(self, rows: list[BinInfo] | None = None) -> None:
        self._rows: dict[str, BinInfo] = {}
        self._lengths: list[int] = []
        # Profiles are rendered on every token read: cached per PAN, dropped whenever a row is
        # added (a fixture's BIN row may change any of them). `version` lets callers that cache
        # rendered bodies notice the change too.
        self._profiles: dict[str, CardProfile] = {}
        self.version = 0
        for row in rows or []:
            self.add(row)

    def add(self, row: BinInfo) -> None:
        self._rows[row.prefix] = row
        self._lengths = sorted({len(p) for p in self._rows}, reverse=True)
        self._profiles.clear()
        self.version += 1

    def rows(self) -> list[BinInfo]:
        return list(self._rows.values())

    def lookup(self, number: str) -> BinInfo | None:
        for n in self._lengths:
            row = self._rows.get(number[:n])
            if row is not None:
                return row
        return None

    def profile(self, number: str) -> CardProfile:
        hit = self._profiles.get(number)
        if hit is None:
            hit = self._profile(number)
            if len(self._profiles) >= _PROFILES_MAX:
                self._profiles.clear()
            self._profiles[number] = hit
        return hit

    def _profile(self, number: str) -> CardProfile:
        row = self.lookup(number)
        brand = (row.brand if row and row.brand else None) or brand_of(number)
        funding = row.funding if row else "credit"
        sub = row.sub_brand if row and row.sub_brand else (f"{brand}_{funding.upper()}" if brand else None)
        return CardProfile(
            brand=brand,
            funding=funding,
            country=row.country if row else None,
            sub_brand=sub,
            co_brand=row.co_brand if row else None,
            bin=bin6(number),
            last4=last4(number),
            masked=mask(number),
        )
