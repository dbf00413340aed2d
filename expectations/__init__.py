"""GX checks: input suites on read workbooks (step 3), output contract (step 6)."""
