"""Persistence: SQLAlchemy 2 models, the append-only event store, and its projections."""
