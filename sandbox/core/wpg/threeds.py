"""3-D Secure for paymentService orders (wpg.md §11.1-11.3), driven by the documented magic
cardholder names.

* 3DS1 (legacy, option wpg.threeds1, on by default): holder `3D` (exact, case-sensitive) or
  `dynamic3DS overrideAdvice="do3DS"` answers the first leg with `request3DSecure` (paRequest,
  issuerURL); the sandbox ACS page posts a PaRes back to the merchant's TermUrl; the second leg
  (`info3DSecure/paResponse` + `session`, short or long form) completes the authorisation.
* 3DS2 (Flex): `3DS_V2_CHALLENGE_*`, `3DS_V1_CHALLENGE_*`, `3DS_BYPASSED_AFTER_CHALLENGE` and
  `3DS_V1_INVALID_SIGNATURE` answer with `challengeRequired/threeDSChallengeDetails`; the sandbox
  challenge page records the shopper's result; the second leg (`info3DSecure/completedAuthentication`)
  completes. `3DS_V2_FRICTIONLESS_*`, `3DS_BYPASSED`, `3DS_V1_NOT_ENROLLED` and
  `3DS_V1_UNKNOWN_ENROLMENT` authorise at once (REJECTED refuses).
* `dynamic3DS overrideAdvice="no3DS"` and external MPI data (`paymentDetails/info3DSecure` with
  cavv/eci) never challenge.

A challenged order is stored as a PENDING payment (lastEvent SENT_FOR_AUTHORISATION) holding the
first leg's request in `meta.threeDS`, so `createToken` is honoured only when the final
authorisation succeeds (the token is in the final reply and the AUTHORISED notification).
"""

from __future__ import annotations

import base64
import dataclasses
import zlib
from datetime import UTC, datetime

from .requests import Amount, CreateToken, OrderRequest, TokenUse
from .tokens import Card

V1, V2 = "3ds1", "3ds2"
V2_CHALLENGE_PREFIXES = ("3DS_V2_CHALLENGE_", "3DS_V1_CHALLENGE_")
V2_CHALLENGE_NAMES = ("3DS_BYPASSED_AFTER_CHALLENGE", "3DS_V1_INVALID_SIGNATURE")
# Results after a challenge: what the shopper chose on the sandbox page (3DS1 paResMagicValues,
# 3DS2 challenge outcomes). Failed ones refuse the authorisation.
V1_RESULTS = ("IDENTIFIED", "NOT_IDENTIFIED", "IDENTIFIED_NOID", "NOT_IDENTIFIED_NOID", "3DS_VALID_ERROR", "3DERROR")
V1_FAILED = {"3DERROR", "UNKNOWN_IDENTITY", "CANCELLED_BY_SHOPPER", "3DS_INVALID_ERROR", "NOT_IDENTIFIED_NOID"}
V2_RESULTS = ("IDENTIFIED", "VALID_ERROR", "BYPASSED", "UNKNOWN_IDENTITY", "INVALID_SIGNATURE", "CANCELLED_BY_SHOPPER")
V2_FAILED = {"UNKNOWN_IDENTITY", "INVALID_SIGNATURE", "CANCELLED_BY_SHOPPER"}
DESCRIPTION = {  # payment/ThreeDSecureResult@description (GOV.UK inquiry fixtures)
    True: "Cardholder authenticated",
    False: "Cardholder not authenticated",
    None: "Authentication offered but not used",
}
PARES_PREFIX = "SANDBOX-PARES"


def challenge_kind(req: OrderRequest, holder: str | None, threeds1: bool) -> str | None:
    """Which challenge the first leg gets (None: authorise at once)."""
    if req.dynamic3ds == "no3DS" or req.mpi_authenticated:
        return None
    name = holder or ""
    if name.startswith(V2_CHALLENGE_PREFIXES) or name in V2_CHALLENGE_NAMES:
        return V2
    # do3DS forces 3-D Secure: with 3DS2 data (additional3DSData) Flex decides by the holder name
    # (an ordinary name is frictionless); without it, the legacy 3DS1 round trip.
    if threeds1 and (name == "3D" or (req.dynamic3ds == "do3DS" and not req.flex)):
        return V1
    return None


def frictionless(holder: str | None) -> tuple[bool, str | None] | None:
    """(authorised?, ThreeDSecureResult description) for the frictionless names, else None."""
    name = holder or ""
    if name == "3DS_V2_FRICTIONLESS_REJECTED":
        return False, DESCRIPTION[False]
    if name == "3DS_V2_FRICTIONLESS_IDENTIFIED":
        return True, DESCRIPTION[True]
    if name.startswith("3DS_V2_FRICTIONLESS_") or name in ("3DS_BYPASSED", "3DS_V1_NOT_ENROLLED",
                                                             "3DS_V1_UNKNOWN_ENROLMENT"):
        return True, DESCRIPTION[None]
    return None


def default_v2_result(holder: str | None) -> str:
    """The challenge result the page pre-selects (and the second leg assumes when the page was not used)."""
    name = holder or ""
    if name.endswith("UNKNOWN_IDENTITY"):
        return "UNKNOWN_IDENTITY"
    if name == "3DS_V1_INVALID_SIGNATURE":
        return "INVALID_SIGNATURE"
    if name.endswith("VALID_ERROR"):
        return "VALID_ERROR"
    if name == "3DS_BYPASSED_AFTER_CHALLENGE":
        return "BYPASSED"
    return "IDENTIFIED"


def missing_info(req: OrderRequest) -> bool:
    """3DS1 needs the session id and the browser headers (AM remote test: "Missing info for 3D-secure transaction")."""
    return not (req.session_id and req.browser_headers)


# -- the pending record ------------------------------------------------------------------------
def pending_record(kind: str, req: OrderRequest, challenge_id: str, echo: str, now: float, holder: str | None) -> dict:
    return {"kind": kind, "challengeId": challenge_id, "echoData": echo, "session": req.session_id,
            "startedAt": now, "result": None, "suggested": default_v2_result(holder),
            "request": dataclasses.asdict(req)}


def request_of(record: dict) -> OrderRequest:
    """The first leg's OrderRequest back from the pending record."""
    d = dict(record["request"])
    d["amount"] = Amount(**d["amount"])
    d["card"] = Card(**d["card"]) if d.get("card") else None
    if d.get("token"):
        t = dict(d["token"])
        t["override"] = Card(**t["override"])
        d["token"] = TokenUse(**t)
    d["create_token"] = CreateToken(**d["create_token"]) if d.get("create_token") else None
    return OrderRequest(**d)


# -- wire values the core mints (opaque to clients: they forward them verbatim) ----------------
def pa_request(order_code: str, challenge_id: str, masked_pan: str, amount: Amount, description: str,
               merchant: str, now: float) -> str:
    """base64(zlib(PAReq 1.0.2 XML)), the shape of the vendor's paRequest (wpg.md §11.1); the PAN masked."""
    date = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d %H:%M:%S")
    xml = (f'<ThreeDSecure><Message id="{challenge_id}"><PAReq><version>1.0.2</version>'
           f"<Merchant><acqBIN>11111111111</acqBIN><merID>{merchant}</merID><name>{merchant}</name>"
           f"<country>826</country><url>https://sandbox.invalid</url></Merchant>"
           f"<Purchase><xid>{base64.b64encode(challenge_id.encode()[:20]).decode()}</xid><date>{date}</date>"
           f"<purchAmount>{amount.value}</purchAmount><currency>{amount.currency}</currency>"
           f"<exponent>{amount.exponent}</exponent><desc>{order_code}</desc></Purchase>"
           f"<CH><acctID>{masked_pan}</acctID></CH></PAReq></Message></ThreeDSecure>")
    return base64.b64encode(zlib.compress(xml.encode())).decode()


def challenge_of_pa_request(pa_req: str) -> str | None:
    """The challenge id inside a paRequest the sandbox minted (the ACS page reads it), else None."""
    try:
        xml = zlib.decompressobj().decompress(base64.b64decode("".join(pa_req.split()), validate=True), 16384)
    except (ValueError, zlib.error):
        return None
    start = xml.find(b'<Message id="')
    if start < 0:
        return None
    end = xml.find(b'"', start + 13)
    value = xml[start + 13:end].decode("ascii", "replace")
    return value if value.isalnum() else None


def pa_response(challenge_id: str, choice: str) -> str:
    """The PaRes the sandbox ACS page posts back to the merchant for a choice."""
    return base64.b64encode(f"{PARES_PREFIX}:{challenge_id}:{choice}".encode()).decode()


def read_pa_response(value: str) -> tuple[str, str] | None:
    """(challenge id, choice) from a sandbox PaRes; a bare failure name (as the vendor simulator
    returns for failed choices) reads as (None, name); anything else None."""
    value = "".join((value or "").split())
    if value in V1_FAILED:
        return "", value
    try:
        text = base64.b64decode(value, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    prefix, _, rest = text.partition(":")
    challenge_id, _, choice = rest.partition(":")
    if prefix != PARES_PREFIX or choice not in V1_RESULTS:
        return None
    return challenge_id, choice


def v2_payload(challenge_id: str, order_code: str) -> str:
    """An opaque CReq-like payload (base64url JSON), forwarded by the client to the challenge page."""
    import json

    creq = {"messageType": "CReq", "messageVersion": "2.1.0", "threeDSServerTransID": challenge_id,
            "acsTransID": challenge_id, "challengeWindowSize": "05", "sandboxOrderCode": order_code}
    return base64.urlsafe_b64encode(json.dumps(creq, separators=(",", ":")).encode()).decode().rstrip("=")
