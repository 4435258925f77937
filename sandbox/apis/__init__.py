"""The three protocol adapters: `access` (JSON HAL), `opp` (form REST), `wpg` (paymentService XML).

Each package has the same layout (`routes`, `parse`, `render`, `errors`, `context`) and exposes
one `API` (a `sandbox.web.adapter.Adapter`). Nothing outside a package imports from it except the
composition root, `sandbox/app.py` (docs/architecture.md).
"""
