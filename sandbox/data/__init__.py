"""Files the package ships and reads at run time, found with importlib.resources.

Nothing here is looked up relative to a source checkout: an installed wheel must carry every
file in `REQUIRED`, and `sandbox serve` refuses to start (exit 2) when one is missing, rather
than answering every paymentService request with an error or losing the magic cards.

- `default.yaml`: the documented test cards and magic values (the catalogue every reset starts from).
- `examples/<name>.yaml`: worked-example scenario fixtures; load one by name with
  `--fixtures example:<name>` or `@pytest.mark.sandbox_fixture("example:<name>")`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

EXAMPLE_PREFIX = "example:"

# Package-relative paths of every data file the server reads. Keep in step with
# pyproject.toml [tool.setuptools.package-data] (tests/install/test_wheel.py installs the wheel).
REQUIRED = (
    "data/default.yaml",
    "data/examples/account-updater.yaml",
    "data/examples/expiring.yaml",
    "data/examples/failing-gateway.yaml",
    "data/examples/full-owner.yaml",
    "data/examples/returning-shopper.yaml",
    "apis/wpg/grammar/paymentService_sandbox.dtd",
    "apis/opp/static/paymentWidgets.js",
    "apis/opp/static/paymentWidgets.css",
    "admin/static/dashboard.html",
    "admin/static/dashboard.js",
    "admin/static/dashboard.css",
)


def package_file(relative: str) -> Path:
    """A file inside the installed `sandbox` package, as a filesystem path (wheels install
    unpacked, so the resource is a real file; zip imports are not supported)."""
    return Path(str(files("sandbox").joinpath(*relative.split("/"))))


def missing() -> list[str]:
    """The REQUIRED files absent from this installation (empty when it is complete)."""
    return [rel for rel in REQUIRED if not package_file(rel).is_file()]


DEFAULT_FIXTURE = package_file("data/default.yaml")


def examples() -> dict[str, Path]:
    """Shipped example fixtures by name (file name without .yaml)."""
    folder = package_file("data/examples")
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def resolve_fixture(name: str) -> str:
    """`example:<name>` -> the shipped example's path; anything else is a path and returned as is.

    An unknown example name raises ValueError listing the names there are."""
    if not name.startswith(EXAMPLE_PREFIX):
        return name
    wanted = name[len(EXAMPLE_PREFIX):].removesuffix(".yaml")
    found = examples()
    if wanted not in found:
        raise ValueError(f"{name}: no such example fixture (there are: "
                         f"{', '.join(EXAMPLE_PREFIX + n for n in found) or 'none'})")
    return str(found[wanted])
