"""Step 6 of 7: versioned Parquet tables, the BI views and the mirror copy."""
