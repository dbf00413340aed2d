"""Step 7 of 7: the clerk report, the indicator report and the data dictionary."""
