"""Step 4 of 7: score RT rows (spec §3) and roll them up to kelurahan and above."""
