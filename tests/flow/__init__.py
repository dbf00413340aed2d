"""Flow tests: run the Prefect consolidation flow in-process on real files."""
