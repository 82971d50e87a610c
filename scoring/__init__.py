"""Scoring: scenario and exercise events in, explained report out. Pure Python, no I/O."""
