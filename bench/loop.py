"""Start a server on a chosen event loop, so the sandbox and the reference share one in a table.

    python -m bench.loop asyncio sandbox.cli serve --port 0 ...
    python -m bench.loop uvloop bench/reference_app.py --port 0 ...

`asyncio` hides uvloop from the server (a server that picks uvloop whenever it is installed then
stays on the standard loop); `uvloop` installs uvloop's policy before the server starts.
"""

from __future__ import annotations

import runpy
import sys


def uvloop_available() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    loop, target, *args = sys.argv[1:]
    if loop == "uvloop":
        import asyncio

        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    elif loop == "asyncio":
        sys.modules["uvloop"] = None  # `import uvloop` raises ImportError in the server
    else:
        raise SystemExit(f"bench.loop: unknown loop {loop!r} (asyncio or uvloop)")
    sys.argv = [target, *args]
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
