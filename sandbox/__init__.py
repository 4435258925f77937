"""Token Sandbox: one local process emulating Access Tokens v3, OPP registrations and paymentService XML."""

__version__ = "0.1.0"
