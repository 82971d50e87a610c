"""The pure exercise engine: scenario model, clock, schedule and state machine (no I/O)."""
