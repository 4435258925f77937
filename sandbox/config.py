"""Run-time configuration: one dataclass, filled from flags and SANDBOX_* variables (DESIGN §4.1)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    mode: str = "try"  # try | live
    fixtures: list[str] = field(default_factory=list)
    state: str | None = None
    credentials: str | None = None
    max_body: int = 1048576
    log_level: str = "info"
    log_format: str = "text"  # text | json (one object per line)
    seed: str | None = None
    journal_size: int = 1000
    admin_token: str | None = None
    client_timeout: float = 60.0  # seconds a client may stall on headers, body or idle keep-alive
    allow_hosts: list[str] = field(default_factory=list)  # extra Host names for the control plane
    options: dict = field(default_factory=dict)  # per-API switches (docs/options.md, core/options.py)
