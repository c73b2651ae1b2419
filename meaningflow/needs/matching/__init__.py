"""Two-sided, explainable matching (DG-3, BX-2, TR-6): pure NumPy scoring functions and an
in-memory feature index of open needs. No database access in this package; the
selectors feed it (docs/MATCHING.md)."""
