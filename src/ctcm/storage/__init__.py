"""Database schema, migrations and the repository (the only code that speaks SQL)."""
