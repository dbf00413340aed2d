"""Prefect wiring of the steps: the consolidation flow, CLI, settings and progress."""
