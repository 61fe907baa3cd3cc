"""Output formats: every renderer turns a View into a string; the CLI only prints it."""
