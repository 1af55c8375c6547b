"""Alembic migrations of the issuer database (configured from `issuer.db.migrate`)."""
