"""Reproducible filler for fields a fixture leaves out (Faker, seeded from the fixture's `seed:`).

Faker is imported on first use only: it is slow to import and most runs never need it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..core.cards import luhn_ok


class Filler:
    def __init__(self, seed: int | str) -> None:
        self.seed = seed
        self._faker = None
        self._used_pans: set[str] = set()

    @property
    def faker(self):
        if self._faker is None:
            from faker import Faker

            self._faker = Faker("en_GB")
            self._faker.seed_instance(self.seed)
        return self._faker

    def holder(self) -> str:
        return self.faker.name()

    def pan(self) -> str:
        """A Luhn-valid Visa number, unique within this load (so sixteen cards fill a namespace)."""
        while True:
            pan = self.faker.credit_card_number(card_type="visa16")
            if luhn_ok(pan) and pan not in self._used_pans:
                self._used_pans.add(pan)
                return pan

    def expiry(self, now: float) -> tuple[int, int]:
        year = datetime.fromtimestamp(now, UTC).year
        return self.faker.random_int(1, 12), year + self.faker.random_int(1, 5)

    def address(self) -> dict:
        f = self.faker
        return {"address1": f.street_address().replace("\n", ", "), "postalCode": f.postcode(),
                "city": f.city(), "countryCode": "GB"}

    def shopper(self) -> str:
        return f"shopper{self.faker.random_number(digits=8, fix_len=True)}"

    def hex(self, n: int) -> str:
        return self.faker.hexify("^" * n)

    def digits(self, n: int) -> str:
        return "".join(str(self.faker.random_digit()) for _ in range(n))
