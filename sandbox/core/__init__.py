"""The domain core: cards, tokens, payments, clock, tenant store, journal. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import Catalogue
from .credentials import Credentials
from .ids import Ids
from .journal import Journal
from .store import Store


@dataclass
class Core:
    """Everything the three adapters share: one store, one clock, one catalogue."""

    mode: str = "try"  # the vendor environment imitated: try | live
    store: Store = field(default_factory=Store)
    catalogue: Catalogue = field(default_factory=Catalogue)
    credentials: Credentials = field(default_factory=Credentials)
    journal: Journal = field(default_factory=Journal)
    options: dict = field(default_factory=dict)  # per-API switches from --option KEY=VALUE (strings)

    def option(self, key: str, default):
        """A per-API switch converted to the type of its default (bool, int, float or str)."""
        raw = self.options.get(key)
        if raw is None:
            return default
        if isinstance(default, bool):
            return str(raw).lower() in ("1", "true", "yes", "on")
        if isinstance(default, int | float):
            try:
                return type(default)(raw)
            except ValueError:
                return default
        return raw

    options_version: int = 0  # bumped on every change, so adapters can cache what they derive
    _config_baseline: tuple | None = None

    def set_options(self, values: dict) -> None:
        self.options.update(values)
        self.options_version += 1

    def mark_baseline(self) -> None:
        """Options, credentials and catalogue as loaded: what a full reset returns to, so a
        fixture one test loads (magic cards, credentials) does not leak into the next test."""
        self._config_baseline = (dict(self.options), self.credentials.snapshot(), self.catalogue.snapshot())

    def reset_config(self) -> None:
        if self._config_baseline is None:
            return
        options, credentials, catalogue = self._config_baseline
        self.options = dict(options)
        self.options_version += 1
        self.credentials.restore(credentials)
        self.catalogue.restore(catalogue)

    @classmethod
    def create(cls, mode: str = "try", seed: int | str | None = None, journal_size: int = 1000) -> Core:
        return cls(mode=mode, store=Store(Ids(seed)), journal=Journal(journal_size))
