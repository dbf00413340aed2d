"""Tests by kind: unit/ (make test-fast), flow/ and process/; shared fixtures and expectations."""
