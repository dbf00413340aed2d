"""Unit tests: milliseconds to seconds, no flow run, no subprocess (make test-fast)."""
