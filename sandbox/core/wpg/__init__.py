"""wpg domain."""
