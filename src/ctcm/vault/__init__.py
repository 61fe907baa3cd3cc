"""The encrypted store: file format, key slots, sessions, blobs, lock and backups."""
