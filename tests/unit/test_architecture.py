"""The layering of docs/architecture.md (DESIGN §2), checked on the import graph of the code:

- `sandbox/core/` imports no aiohttp (the domain core has no HTTP in it);
- an API's domain package (`core/access`, `core/opp`, `core/wpg`) imports no other API's package;
- the shared floor (`core/*.py`) imports no API package, except the `Core` composition in
  `core/__init__.py`, which registers each API's typed tenant state;
- nothing outside `sandbox/apis/<x>/` imports from it, except the composition root `sandbox/app.py`,
  which imports only the package itself (its `API`).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "sandbox"
APIS = ("access", "opp", "wpg")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[str]:
    """Absolute names of every module `path` imports (relative imports resolved)."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append(name)
            out += [f"{name}.{a.name}" for a in node.names]
    return out


def files(under: str = "") -> list[Path]:
    found = sorted((ROOT / under).rglob("*.py"))
    assert found, f"no Python files under {ROOT / under}"
    return found


def test_the_core_has_no_http():
    bad = [(str(p), n) for p in files("core") for n in imports(p) if n.split(".")[0] == "aiohttp"]
    assert bad == []


def test_an_api_domain_imports_no_other_api_domain():
    bad = []
    for api in APIS:
        for p in files(f"core/{api}"):
            for n in imports(p):
                for other in APIS:
                    if other != api and (n == f"sandbox.core.{other}" or n.startswith(f"sandbox.core.{other}.")):
                        bad.append((str(p.relative_to(ROOT)), n))
    assert bad == []


def test_the_shared_floor_imports_no_api_package():
    bad = []
    for p in sorted((ROOT / "core").glob("*.py")):
        if p.name == "__init__.py":
            continue
        for n in imports(p):
            if any(n == f"sandbox.core.{a}" or n.startswith(f"sandbox.core.{a}.") for a in APIS):
                bad.append((p.name, n))
    assert bad == []


def test_only_the_composition_root_imports_an_adapter():
    bad = []
    for p in files():
        rel = p.relative_to(ROOT)
        for n in imports(p):
            for api in APIS:
                pkg = f"sandbox.apis.{api}"
                if not (n == pkg or n.startswith(pkg + ".")):
                    continue
                inside = rel.parts[:2] == ("apis", api)
                root_api = rel.as_posix() == "app.py" and n in (pkg, f"{pkg}.API")
                if not inside and not root_api:
                    bad.append((rel.as_posix(), n))
    assert bad == []


def test_the_checker_sees_relative_imports():
    """The checks above would pass vacuously if relative imports were not resolved."""
    names = imports(ROOT / "app.py")
    assert "sandbox.apis.access.API" in names and "sandbox.core" in names
