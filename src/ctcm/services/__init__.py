"""Use cases: take an Environment or an open Practice, return domain values; never print."""
