"""Process tests: the kumuh CLI in subprocesses, servers, readers, kill tests."""
