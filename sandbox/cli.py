"""`sandbox serve`: flags, SANDBOX_* environment variables, ready line, graceful shutdown."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from . import __version__
from .config import Config

LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")


def _env(name: str, default):
    return os.environ.get(f"SANDBOX_{name}", default)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 86400:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"expected a number of seconds from above 0 to 86400, got {text}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 (any free port) to 65535, got {value}")
    return value


def _option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox", description="Token Sandbox: local payment-token API emulator")
    parser.add_argument("--version", action="version", version=f"Token Sandbox {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("examples", help="list the example fixtures shipped with the package (--fixtures example:NAME)")
    s = sub.add_parser("serve", help="start the sandbox")
    s.add_argument("--host", default=_env("HOST", "127.0.0.1"), help="address to bind (SANDBOX_HOST)")
    s.add_argument("--port", type=_port, default=_env("PORT", "8080"), help="port, 0 for any free port (SANDBOX_PORT)")
    s.add_argument("--mode", choices=("try", "live"), default=_env("MODE", "try"),
                   help="vendor environment imitated (SANDBOX_MODE)")
    s.add_argument("--credentials", default=_env("CREDENTIALS", None),
                   help="credentials file: strict mode, only listed credentials pass (SANDBOX_CREDENTIALS)")
    s.add_argument("--max-body", type=_positive_int, default=_env("MAX_BODY", "1048576"),
                   help="largest API request body in bytes (SANDBOX_MAX_BODY)")
    s.add_argument("--log-level", choices=LEVELS, default=_env("LOG_LEVEL", "info"),
                   help="log verbosity; info logs one line per request (SANDBOX_LOG_LEVEL)")
    s.add_argument("--log-format", choices=LOG_FORMATS, default=_env("LOG_FORMAT", "text"),
                   help="text for people, json for one object per line (SANDBOX_LOG_FORMAT)")
    s.add_argument("--seed", default=_env("SEED", None), help="make generated ids reproducible (SANDBOX_SEED)")
    s.add_argument("--journal-size", type=int, default=_env("JOURNAL_SIZE", "1000"),
                   help="journal entries kept, 0 disables the journal (SANDBOX_JOURNAL_SIZE)")
    s.add_argument("--option", action="append", default=None, metavar="KEY=VALUE", type=_option,
                   help="per-API switch, repeatable, e.g. access.try_lifetime_days=90 "
                        "(SANDBOX_OPTIONS: comma-separated KEY=VALUE list)")
    s.add_argument("--fixtures", nargs="+", action="extend", default=None, metavar="FILE",
                   help="scenario fixture files loaded at start, or example:NAME for a shipped "
                        "example; reset returns to them (SANDBOX_FIXTURES: comma-separated)")
    s.add_argument("--state", default=_env("STATE", None), metavar="FILE",
                   help="restore state from FILE at start and keep it written there (SANDBOX_STATE)")
    s.add_argument("--admin-token", default=_env("ADMIN_TOKEN", None),
                   help="require this bearer token on /_sandbox/ (SANDBOX_ADMIN_TOKEN)")
    s.add_argument("--allow-host", action="append", default=None, metavar="NAME",
                   help="also accept this Host name on the control plane, repeatable (besides IP "
                        "addresses, localhost and --host) (SANDBOX_ALLOW_HOST: comma-separated)")
    s.add_argument("--client-timeout", type=_positive_float, default=_env("CLIENT_TIMEOUT", "60"),
                   help="seconds a client may take to send its headers, or stall mid-body, or stay "
                        "idle between requests, before the connection is closed (SANDBOX_CLIENT_TIMEOUT)")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    return Config(
        host=args.host,
        port=int(args.port),
        mode=args.mode,
        credentials=args.credentials,
        max_body=int(args.max_body),
        log_level=args.log_level,
        log_format=args.log_format,
        seed=args.seed,
        journal_size=max(0, int(args.journal_size)),
        admin_token=args.admin_token or None,
        options=dict(args.option if args.option is not None else _env_options()),
        fixtures=list(args.fixtures if args.fixtures is not None else _env_list("FIXTURES")),
        state=args.state or None,
        client_timeout=float(args.client_timeout),
        allow_hosts=list(args.allow_host if args.allow_host is not None else _env_list("ALLOW_HOST")),
    )


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(f"SANDBOX_{name}", "").split(",") if item.strip()]


def _env_options() -> list[tuple[str, str]]:
    raw = os.environ.get("SANDBOX_OPTIONS", "")
    return [_option(item) for item in raw.split(",") if item.strip()]


def _check_install(config: Config) -> str | None:
    """One line naming what makes this installation or these arguments unusable, or None."""
    from . import data

    absent = data.missing()
    if absent:
        where = data.package_file(absent[0])
        return (f"incomplete installation: package data file {where} is missing "
                f"({len(absent)} missing; reinstall token-sandbox)")
    try:
        config.fixtures = [data.resolve_fixture(f) for f in config.fixtures]
    except ValueError as e:
        return str(e)
    return None


async def serve(config: Config) -> int:
    from aiohttp import web

    from .app import create_app
    from .core.errors import FixtureError, SnapshotError
    from .core.options import OptionError

    problem = _check_install(config)
    if problem:
        print(f"sandbox: {problem}", file=sys.stderr)
        return 2
    _admin_token_off_loopback(config)
    try:
        app = create_app(config)
    except (FixtureError, SnapshotError, OptionError) as e:
        print(f"sandbox: {e}", file=sys.stderr)
        return 2
    # Slow or broken clients (docs/reliability.md): aiohttp closes a connection that has not
    # sent a complete request within keepalive_timeout of connecting (or of its last answer),
    # so one timeout covers slow headers and idle keep-alive; read_body() times out a stalled
    # body. Header limits are explicit so an oversized request line or header gets a 400.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=10.0,
                           keepalive_timeout=config.client_timeout, max_line_size=8190,
                           max_field_size=8190, max_headers=100,
                           lingering_time=min(10.0, config.client_timeout))  # after a 408, don't wait longer
    try:
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
        await site.start()
    except (FixtureError, SnapshotError) as e:
        print(f"sandbox: {e}", file=sys.stderr)
        await runner.cleanup()
        return 2
    except OSError as e:
        print(f"sandbox: cannot listen on {config.host}:{config.port}: {e.strerror}", file=sys.stderr)
        await runner.cleanup()
        return 2
    port = site._server.sockets[0].getsockname()[1]  # the real port when --port 0
    host = f"[{config.host}]" if ":" in config.host else config.host
    print(f"Token Sandbox listening on http://{host}:{port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logging.getLogger("sandbox").info("stopping: finishing in-flight requests")
    await runner.cleanup()  # stop accepting, finish in-flight requests, run on_cleanup (state)
    return 0


def _examples() -> int:
    from . import data

    for name, path in data.examples().items():
        print(f"{data.EXAMPLE_PREFIX}{name}\t{path}")
    return 0


def _run(main_coro) -> int:
    """asyncio.run, on uvloop's event loop when it is installed (the `fast` extra)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main_coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main_coro)
def _admin_token_off_loopback(config: Config) -> None:
    """Bound beyond this machine with no --admin-token: make one and print it once (issue 14 §7),
    so the control plane (card numbers, tenant secrets) is never open to the network silently."""
    from .web.guard import is_loopback

    if config.admin_token or is_loopback(config.host):
        return
    import secrets

    config.admin_token = secrets.token_urlsafe(24)
    print(f"sandbox: listening beyond loopback ({config.host}) without --admin-token: the control plane "
          f"needs this generated admin token: {config.admin_token}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "examples":
        return _examples()
    config = config_from_args(args)
    from .web.access_log import configure

    configure(config.log_level, config.log_format)
    if args.command == "serve":
        return _run(serve(config))
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
