"""Course infrastructure: how the notebooks are checked and run (not part of any lesson)."""
