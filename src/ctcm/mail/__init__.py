"""Building RFC 5322 messages and delivering them (SMTP, or .eml files in a directory)."""
