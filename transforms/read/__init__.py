"""Step 2 of 7: read one workbook safely into identity, RT rows and cell problems."""
