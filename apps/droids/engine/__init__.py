"""The droid engine: runs (run.py), closing (closing.py), positions on the chain (positions.py),
history rows (history.py) and the engine's own pauses (pausing.py)."""
