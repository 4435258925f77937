"""opp domain."""
