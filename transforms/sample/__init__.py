"""Test and demo data, no pipeline step: survey workbooks with known ground truth."""
