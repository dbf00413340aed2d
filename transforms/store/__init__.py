"""Step 5 of 7: the run's tables and the DuckDB warehouse (all SQL), under a lock."""
