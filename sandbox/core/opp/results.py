"""OPP result codes: the catalogue subset the sandbox answers with, and their classification.

Codes and descriptions follow the vendor catalogue (../shared/reference/opp.md §8). Clients decide
success with the documented regex `^(000\\.000\\.|000\\.100\\.1|000\\.[36])`, pending with
`^(000\\.200)`; `classify()` applies the same groups so the sandbox and its clients agree.
"""

from __future__ import annotations

import re

SUCCESS = re.compile(r"^(000\.000\.|000\.100\.1|000\.[36]|000\.400\.[1][12]0)")
REVIEW = re.compile(r"^(000\.400\.0[^3]|000\.400\.100)")
PENDING = re.compile(r"^(000\.200)")
CODE_FORMAT = re.compile(r"^[0-9]{3}\.[0-9]{3}\.[0-9]{3}\Z")

LIVE_OK = "000.000.000"
INTEGRATOR_TEST_OK = "000.100.110"
CONNECTOR_TEST_OK = "000.100.112"
PENDING_OK = "000.200.000"
CHECKOUT_CREATED = "000.200.100"
INVALID_PARAMETER = "200.300.404"
AUTH_FAILED = "800.900.300"

DESCRIPTIONS = {
    # §8.2 success / pending
    "000.000.000": "Transaction succeeded",
    "000.000.100": "successful request",
    "000.100.110": "Request successfully processed in 'Merchant in Integrator Test Mode'",
    "000.100.111": "Request successfully processed in 'Merchant in Validator Test Mode'",
    "000.100.112": "Request successfully processed in 'Merchant in Connector Test Mode'",
    "000.300.000": "Two-step transaction succeeded",
    "000.400.110": "Authentication successful (frictionless flow)",
    "000.200.000": "transaction pending",
    "000.200.100": "successfully created checkout",
    # §8.3 registrations
    "100.150.100": "request contains no Account data and no registration id",
    "100.150.101": "invalid format for specified registration id (must be uuid format)",
    "100.150.200": "registration does not exist",
    "100.150.202": "registration is already deregistered",
    "100.150.203": "registration is not valid, probably initially rejected",
    "100.350.303": "cannot deregister (DR) unregistered account and/or customer",
    "100.350.316": "cannot extend the token (TE) on unregistered account",
    # §8.4 parameters
    "200.300.404": "invalid or missing parameter",
    "100.300.101": "invalid test mode (please use LIVE or INTEGRATOR_TEST or CONNECTOR_TEST)",
    # §8.5 card / account / amount
    "100.100.100": "request contains no creditcard, bank account number or bank name",
    "100.100.101": "invalid creditcard, bank account number or bank name",
    "100.100.200": "request contains no month",
    "100.100.201": "invalid month",
    "100.100.300": "request contains no year",
    "100.100.301": "invalid year",
    "100.100.303": "card expired",
    "100.100.401": "cc/bank account holder too short or too long",
    "100.100.501": "invalid credit card brand",
    "100.100.600": "empty CVV for VISA,MASTER, AMEX not allowed",
    "100.100.601": "invalid CVV/brand combination",
    "100.100.700": "invalid cc number/brand combination",
    "100.550.300": "request contains no amount or too low amount",
    # §8.6 declines and 3-D Secure
    "800.100.100": "transaction declined for unknown reason",
    "800.100.151": "transaction declined (invalid card)",
    "800.100.152": "transaction declined by authorization system",
    "800.100.153": "transaction declined (invalid CVV)",
    "800.100.155": "transaction declined (amount exceeds credit)",
    "800.100.159": "transaction declined (stolen card)",
    "800.100.160": "transaction declined (card blocked)",
    "800.100.162": "transaction declined (limit exceeded)",
    "800.100.165": "transaction declined (card lost)",
    "800.100.171": "transaction declined (pick up card)",
    "800.100.203": "Insufficient Funds",
    "300.100.100": "Transaction declined (additional customer authentication required)",
    "100.390.112": "Technical Error in 3D system",
    "100.390.114": "Not authenticated because the issuer is rejecting authentication",
    "800.400.200": "Invalid Payer Authentication in 3DSecure transaction",
    # §8.7 auth / reference / system
    "800.900.300": "invalid authentication information",
    "700.300.300": "referenced tx can not be refunded, captured or reversed (already refunded, captured or reversed)",
    "700.400.100": "cannot capture (PA value exceeded, PA reverted or invalid workflow?)",
    "700.400.200": "cannot refund (refund volume exceeded or tx reversed or invalid workflow?)",
    "700.400.510": "capture needs at least one successful transaction of type (PA)",
    "700.400.520": "refund needs at least one successful transaction of type (CP or DB or RB or RC)",
    "700.400.530": "reversal needs at least one successful transaction of type (CP or DB or RB or PA)",
    "700.400.580": "cannot find transaction",
    "900.100.100": "unexpected communication error with connector/acquirer",
    "999.999.999": "UNDEFINED CONNECTOR/ACQUIRER ERROR",
}


def describe(code: str) -> str:
    return DESCRIPTIONS.get(code, "result forced by the sandbox (code not in its catalogue)")


def classify(code: str) -> str:
    """success | review | pending | rejected, by the documented regex groups (opp.md §8.1)."""
    if SUCCESS.match(code):
        return "success"
    if REVIEW.match(code):
        return "review"
    if PENDING.match(code):
        return "pending"
    return "rejected"


def success_code(mode: str, test_mode: str | None) -> str:
    """`000.000.000` live; on the test system `000.100.112` for EXTERNAL, else `000.100.110` (opp.md §9)."""
    if mode == "live":
        return LIVE_OK
    return CONNECTOR_TEST_OK if test_mode == "EXTERNAL" else INTEGRATOR_TEST_OK
