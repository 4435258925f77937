"""CSE-DATA: client-side encrypted card details (the vendor's CSE JavaScript library, used by the
Magento and SAP Commerce plugins). `encryptedData` is a JWE made with the merchant's CSE public
key at the vendor, which the sandbox does not hold, so it cannot be decrypted here. Two readings
(docs/paymentservice.md "Client-side encryption"):

* a sandbox test value: an unsecured compact JWS/JWE whose header says `"alg": "none"` and whose
  payload is the JSON the CSE library encrypts ({"cardNumber", "cvc", "cardHolderName",
  "expiryMonth", "expiryYear"}): the sandbox reads the card from it, so a test picks the card and
  the magic holder name;
* anything else (a real JWE): the sandbox's CSE card, CSE_CARD below.
"""

from __future__ import annotations

import base64
import json

from ...core.wpg.tokens import Card

# The card a real (undecryptable) CSE blob stands for; a Visa test card the sandbox documents.
CSE_CARD = {"cardNumber": "4444333322221111", "expiryMonth": 12, "expiryYear": 2035, "cardHolderName": "CSE SHOPPER"}
MAX_SEGMENT = 8192  # a CSE blob is ~500 characters; bounded work on anything bigger


def _segment(text: str) -> dict | None:
    if len(text) > MAX_SEGMENT:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def decode(encrypted: str) -> dict:
    """The card fields the blob carries (sandbox test value) or CSE_CARD."""
    parts = encrypted.strip().split(".")
    header = _segment(parts[0]) if len(parts) >= 2 else None
    if header is not None and header.get("alg") == "none":
        payload = _segment(parts[1])
        if payload is not None and isinstance(payload.get("cardNumber"), str):
            return payload
    return CSE_CARD


def card(encrypted: str, address: dict | None, whole) -> Card:
    """A Card from CSE-DATA; `whole` is parse.whole (ASCII digits only)."""
    fields = decode(encrypted)

    def number(key):
        try:
            return whole(str(fields.get(key)))
        except ValueError:
            return None

    holder = fields.get("cardHolderName")
    return Card(str(fields["cardNumber"]).replace(" ", ""), number("expiryMonth"), number("expiryYear"),
                holder if isinstance(holder, str) and holder else None, address)
