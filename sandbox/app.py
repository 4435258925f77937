"""The app factory: three API adapters and the control plane over one shared core."""

from __future__ import annotations

import time

from aiohttp import web

from . import admin
from .config import Config
from .core import Core, heap
from .core.fixture_file import read_fixture_file
from .web.adapter import Adapter
from .web.faults import Faults
from .web.middleware import make_middleware

ADMIN_MAX_BODY = 256 * 1024 * 1024  # state snapshots and fixtures can be large


def adapters() -> list[Adapter]:
    """The composition root: the only place that imports the adapter packages."""
    from .apis.access import API as ACCESS
    from .apis.opp import API as OPP
    from .apis.wpg import API as WPG

    return [WPG, OPP, ACCESS]


def create_core(config: Config) -> Core:
    core = Core.create(mode=config.mode, seed=config.seed, journal_size=config.journal_size)
    core.options.set(config.options)  # OptionError: an unknown key or bad value (exit 2)
    core.store.tenant_limit = lambda: core.options["sandbox.max_tenants"]
    if config.credentials:
        core.credentials.strict = True
        core.credentials.add(read_fixture_file(config.credentials), config.credentials)
    core.mark_baseline()
    return core


def create_app(config: Config | None = None, core: Core | None = None) -> web.Application:
    config = config or Config()
    heap.install()  # full GC passes stay short as the store grows (core/heap.py, issue 18)
    core = core or create_core(config)
    apis = adapters()
    app = web.Application(
        client_max_size=max(config.max_body, ADMIN_MAX_BODY),
        middlewares=[make_middleware(apis, admin.admin_error, config.max_body, ADMIN_MAX_BODY)],
    )
    app["config"] = config
    app["core"] = core
    app["faults"] = Faults()
    app["started"] = time.monotonic()
    for api in apis:
        api.setup(app)
    admin.setup(app)
    _scenario(app, config)
    return app


def _scenario(app: web.Application, config: Config) -> None:
    """`--fixtures` files (the baseline reset returns to), then `--state` on top (issue 6)."""
    app["scenario"] = {}  # what fixture loads remember between loads (the fixture clock)
    if config.fixtures:
        from .scenario import load_file

        for path in config.fixtures:
            load_file(path, app["core"], app["faults"], baseline=True, keep=app["scenario"])
    if config.state:
        from .persistence import StateFile

        state = StateFile(config.state, app["core"].store)
        state.restore()
        state.attach(app)
        app["state_file"] = state
