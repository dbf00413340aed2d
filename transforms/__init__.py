"""Pipeline steps as functions, one sub-package per step in run order (spec: rules for all)."""
