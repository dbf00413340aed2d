"""Step 1 of 7: find the input workbooks and plan the run (new, changed, vanished)."""
