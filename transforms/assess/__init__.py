"""Step 3 of 7: clerk findings, stored-score reconciliation, each submission's status."""
