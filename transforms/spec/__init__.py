"""The rules as data for every step: criteria, columns, bands, regions, output contract."""
