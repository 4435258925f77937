"""HTTP plumbing shared by every adapter: middleware, body reading, request context."""
