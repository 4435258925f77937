"""The domain core: cards, tokens, payments, clock, tenant store, journal. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .access.state import AccessState
from .catalogue import Catalogue
from .credentials import Credentials
from .ids import Ids
from .journal import Journal
from .opp.state import OppState
from .options import Options
from .store import Store
from .tenants import register_state
from .wpg.state import WpgState

# The floor stores each API's typed tenant state without importing the API packages itself.
register_state("access", AccessState)
register_state("opp", OppState)
register_state("wpg", WpgState)


@dataclass
class Core:
    """Everything the three adapters share: one store, one clock, one catalogue."""

    mode: str = "try"  # the vendor environment imitated: try | live
    store: Store = field(default_factory=Store)
    catalogue: Catalogue = field(default_factory=Catalogue)
    credentials: Credentials = field(default_factory=Credentials)
    journal: Journal = field(default_factory=Journal)
    options: Options = field(default_factory=Options)  # the --option registry in force (options.py)
    _config_baseline: tuple | None = None

    def mark_baseline(self) -> None:
        """Options, credentials and catalogue as loaded: what a full reset returns to, so a
        fixture one test loads (magic cards, credentials) does not leak into the next test."""
        self._config_baseline = (self.options.snapshot(), self.credentials.snapshot(), self.catalogue.snapshot())

    def reset_config(self) -> None:
        if self._config_baseline is None:
            return
        options, credentials, catalogue = self._config_baseline
        self.options.restore(options)
        self.credentials.restore(credentials)
        self.catalogue.restore(catalogue)

    @classmethod
    def create(cls, mode: str = "try", seed: int | str | None = None, journal_size: int = 1000) -> Core:
        return cls(mode=mode, store=Store(Ids(seed)), journal=Journal(journal_size))
