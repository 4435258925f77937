"""Identifiers in each vendor's format, reproducible when a seed is set.

Formats (see ../shared/reference/): Access `tokenId` is 19 digits starting `99` (access.md §1);
OPP ids are 32 lowercase hex (opp.md §10) and checkout ids `<32 UPPERHEX>.uat01-vm-tx03`
(opp.md §12.10); paymentService token ids follow DOC-TOKFMT (wpg.md §3.2).
"""

from __future__ import annotations

import random
import uuid

from .cards import luhn_ok

_ALPHA = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O


class Ids:
    def __init__(self, seed: int | str | None = None) -> None:
        self.reseed(seed)

    def reseed(self, seed: int | str | None) -> None:
        self.seed = seed
        # Unseeded ids and tenant secrets come from the OS's CSPRNG: one Mersenne Twister stream
        # let a client predict another tenant's next checkout id from 80 of its own (issue 14 §10).
        # --seed keeps the reproducible stream (tests that need the same ids on every run).
        self._rng = random.Random(seed) if seed is not None else random.SystemRandom()

    def digits(self, n: int) -> str:
        if self.seed is None:  # one draw instead of n (same uniform spread over n digits)
            return f"{self._rng.randrange(10**n):0{n}d}"
        # Seeded: digit by digit, so a seed keeps giving the ids it gave before.
        return "".join(str(self._rng.randrange(10)) for _ in range(n))

    def hex(self, n: int = 32) -> str:
        return f"{self._rng.getrandbits(n * 4):0{n}x}"

    def bytes(self, n: int) -> bytes:
        return self._rng.getrandbits(n * 8).to_bytes(n, "big")

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    # Access Tokens v3
    def access_token_id(self) -> str:
        return "99" + self.digits(17)

    # OPP
    def opp_id(self) -> str:
        return self.hex(32)

    def opp_checkout_id(self) -> str:
        return self.hex(32).upper() + ".uat01-vm-tx03"

    def opp_ndc(self) -> str:
        return self.hex(32).upper() + ".uat01-vm-tx03"

    # paymentService
    def wpg_token_id(self, pan: str, fmt: str = "format-preserving") -> str:
        if fmt == "alphanumeric":
            # 15 characters alternating upper-case letter and digit, never I or O.
            return "".join(
                self._rng.choice(_ALPHA) if i % 2 == 0 else str(self._rng.randrange(10)) for i in range(15)
            )
        if fmt in ("luhn-pass", "luhn-fail"):
            want = fmt == "luhn-pass"
            while True:
                candidate = "99" + self.digits(17)
                if luhn_ok(candidate) == want:
                    return candidate
        # format-preserving: 99 + BIN6 + random + last4 = 20 digits; the 18 after 99 fail Luhn.
        while True:
            body = pan[:6] + self.digits(8) + pan[-4:]
            if not luhn_ok(body):
                return "99" + body
